// Builds small ONNX models in tests (protobuf API), written to a temporary folder.
#pragma once
#include <onnx/onnx_pb.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace layerscope::testing {

inline onnx::ValueInfoProto tensor_info(const std::string& name, int elem_type, const std::vector<int64_t>& dims) {
  onnx::ValueInfoProto v;
  v.set_name(name);
  auto* tt = v.mutable_type()->mutable_tensor_type();
  tt->set_elem_type(elem_type);
  auto* shape = tt->mutable_shape();
  for (int64_t d : dims) {
    auto* dim = shape->add_dim();
    if (d >= 0) dim->set_dim_value(d);
    else dim->set_dim_param("N");
  }
  return v;
}

// A model with one node `op` from `inputs` to `outputs` (float32, given dims), opset 17.
inline onnx::ModelProto single_node_model(const std::string& op, const std::vector<int64_t>& dims, int opset = 17) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  auto* o = m.add_opset_import();
  o->set_domain("");
  o->set_version(opset);
  auto* g = m.mutable_graph();
  g->set_name("test");
  auto* n = g->add_node();
  n->set_op_type(op);
  n->set_name("the_node");
  n->add_input(std::string("x"));  // the const char* overload trips GCC 12 -Wrestrict
  n->add_output(std::string("y"));
  *g->add_input() = tensor_info("x", onnx::TensorProto::FLOAT, dims);
  *g->add_output() = tensor_info("y", onnx::TensorProto::FLOAT, dims);
  return m;
}

// Graph pieces for hand-built models: a node, its attributes, a graph, a model (opset 17).
inline onnx::NodeProto node(const std::string& op, const std::vector<std::string>& in,
                            const std::vector<std::string>& out, const std::string& name = "") {
  onnx::NodeProto n;
  n.set_op_type(op);
  n.set_name(name.empty() ? op + "_" + out.at(0) : name);
  for (const auto& i : in) n.add_input(i);
  for (const auto& o : out) n.add_output(o);
  return n;
}

inline void set_graph(onnx::NodeProto& n, const std::string& attr, const onnx::GraphProto& g) {
  auto* a = n.add_attribute();
  a->set_name(attr);
  a->set_type(onnx::AttributeProto::GRAPH);
  *a->mutable_g() = g;
}

inline void set_ints(onnx::NodeProto& n, const std::string& attr, const std::vector<int64_t>& v) {
  auto* a = n.add_attribute();
  a->set_name(attr);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t x : v) a->add_ints(x);
}

inline void set_int(onnx::NodeProto& n, const std::string& attr, int64_t v) {
  auto* a = n.add_attribute();
  a->set_name(attr);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}

inline onnx::GraphProto graph(const std::string& name, const std::vector<onnx::NodeProto>& nodes,
                              const std::vector<onnx::ValueInfoProto>& in,
                              const std::vector<onnx::ValueInfoProto>& out) {
  onnx::GraphProto g;
  g.set_name(name);
  for (const auto& n : nodes) *g.add_node() = n;
  for (const auto& i : in) *g.add_input() = i;
  for (const auto& o : out) *g.add_output() = o;
  return g;
}

inline onnx::ModelProto model(const onnx::GraphProto& g, int opset = 17) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  auto* o = m.add_opset_import();
  o->set_domain("");
  o->set_version(opset);
  *m.mutable_graph() = g;
  return m;
}

class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            ("layerscope-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }
  std::string write(const std::string& name, const std::string& bytes) const {
    std::filesystem::path p = path_ / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << bytes;
    return p.string();
  }
  std::string write_model(const std::string& name, const onnx::ModelProto& m) const {
    return write(name, m.SerializeAsString());
  }

 private:
  static int& counter() {
    static int c = 0;
    return c;
  }
  std::filesystem::path path_;
};

}  // namespace layerscope::testing
