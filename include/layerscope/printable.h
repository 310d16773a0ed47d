// Text that came from a file (node and value names, header fields), made safe to print in an
// error message, a terminal or a report: a corrupt model must not be able to move the cursor,
// recolour the terminal or break a table row with the bytes of a name. The library escapes the
// names in its messages and reports itself; ValueDesc and NamedTensor names stay exact (they
// are what run() matches), so a program printing them should pass them through printable().
#pragma once
#include <string>
#include <string_view>

namespace layerscope {

// Valid UTF-8 stays as it is (names in any script print normally); control characters (C0,
// DEL and the C1 range U+0080..U+009F) and bytes that are not valid UTF-8 become "\xNN", one
// per byte. Names that are already printable come back unchanged.
std::string printable(std::string_view text);

// The same for a whole message, except that line breaks and tabs are kept (messages may span
// lines). The API applies it to every error Status it returns, as a net under printable().
std::string printable_message(std::string_view text);

}  // namespace layerscope
