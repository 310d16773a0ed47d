// Small text helpers shared by every layer (error messages, the report writers, compare,
// findings): one place for printf-style formatting, shapes, layer names and byte counts, so
// every report spells a shape or a layer the same way.
#pragma once
#include <cstdarg>
#include <cstdint>
#include <string>
#include <vector>

namespace layerscope {

// printf into a std::string of whatever length the result needs (no fixed buffer, nothing is
// cut). The format is checked against the arguments at compile time.
std::string fmt(const char* format, ...) __attribute__((format(printf, 1, 2)));
// The same with a va_list, for other variadic helpers (`args` is consumed, as by vsnprintf).
std::string vfmt(const char* format, va_list args) __attribute__((format(printf, 1, 0)));

// Left-aligned in `width` columns of a fixed-width table, always followed by at least one
// space: a text as long as the column or longer pushes the rest of the row right.
std::string padded(const std::string& text, size_t width);

// `text` broken into lines of at most `width` characters at its spaces, each line ending in
// '\n': the first line starts with `first_indent`, the others with `indent` (a word longer than
// a line gets a line of its own, uncut).
std::string word_wrapped(const std::string& text, size_t width, const std::string& first_indent,
                         const std::string& indent);

// A byte count for people: "512 B", "3.00 KiB", "12.25 MiB", "1.50 GiB", "2.00 TiB".
std::string bytes_text(double bytes);

// ---- shapes ----
// Two spellings, for two kinds of reader:
//  - the tuple form "(1,3,224,224)" of the reference tool's tables, report.html and error
//    messages (shape_text, shapes_text, shapes_text_within);
//  - the token form "1x3x224x224" for fields that must hold no comma: layers.csv and the
//    Chrome trace (shape_token).

// "(1,3,224,224)"; a rank-0 (scalar) shape is "()".
std::string shape_text(const std::vector<int64_t>& dims);
// "(1,3,480,640),(384,3,14,14),(384)"; "\" (the reference tool's "none") when there are none.
std::string shapes_text(const std::vector<std::vector<int64_t>>& shapes);
// shapes_text() for a table column of `width` characters: the list is cut after the last whole
// shape that fits, with ",..." marking the cut, so it stays shorter than `width` (a first shape
// that alone is too long is cut to width - 5 characters followed by "...").
std::string shapes_text_within(const std::vector<std::vector<int64_t>>& shapes, size_t width);
// "1x3x224x224"; a rank-0 (scalar) shape is "scalar", so it is not confused with a missing one.
std::string shape_token(const std::vector<int64_t>& dims);

// ---- layer names ----
// A profiled layer can stand for several ONNX nodes (a fusion keeps every original name).

// The original node names joined by '+': "conv1+relu_1" (the Chrome trace's "layer").
std::string fused_names_text(const std::vector<std::string>& source_names);
// The reference tool's FullName: op type, ':', the original node names joined by '+':
// "Conv:conv1+relu_1" (the text table and report.html).
std::string layer_full_name(const std::string& op_type, const std::vector<std::string>& source_names);
// A name inside a control-flow body, prefixed with its scope (LayerProfile::scope, the path
// through the enclosing nodes) and '/': "loop_0/body/mm"; a top-level name (scope "") as it is.
std::string scoped_name(const std::string& scope, const std::string& name);
// The FullName of any layer, the one every report's FullName/name column prints: scoped_name of
// layer_full_name: "loop_0/body/MatMul:mm" inside a body, "Conv:conv1+relu_1" at the top level.
std::string scoped_full_name(const std::string& scope, const std::string& op_type,
                             const std::vector<std::string>& source_names);

// How often a body layer ran per run (LayerProfile::calls, a median over runs, so a whole number
// or a half): "1 call", "5 calls", "4.5 calls".
std::string calls_text(double calls);

// ---- per-thread columns ----
// One figure per worker thread, each printed with `format` and joined by '/': "40.00/30.00"
// (the reference tool's MacUsage and WorkLoad columns); "\" when there are none.
std::string per_thread_text(const std::vector<double>& values, const char* format)
    __attribute__((format(printf, 2, 0)));
// The heading of such a column: "WorkLoad(0/1/2)" for name "WorkLoad" and 3 threads.
std::string per_thread_heading(const std::string& name, size_t threads);

}  // namespace layerscope
