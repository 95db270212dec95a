#include "aot/ir/graph_proto.h"

#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "aot/base/status_macros.h"
#include "aot/ir/attr.h"
#include "aot/ir/graph.h"
#include "aot/ir/op.h"
#include "aot/ir/shape.h"
#include "aot/ir/verifier.h"
#include "google/protobuf/stubs/logging.h"
#include "gtest/gtest.h"

namespace aot::ir {
namespace {

TensorMeta F32(std::initializer_list<int64_t> dims) { return TensorMeta(Shape(dims), DType::kFloat32); }

Node* MustCreate(Graph& g, OpKind kind, std::vector<Value*> operands, const AttrList& attrs = {}) {
  absl::StatusOr<Node*> n = g.Create(kind, operands, attrs);
  AOT_CHECK_OK(n);
  return *n;
}

Node* MustCreateWithGroups(Graph& g, OpKind kind, std::vector<std::vector<Value*>> groups,
                           const AttrList& attrs = {}) {
  absl::StatusOr<Node*> n = g.CreateWithGroups(kind, std::move(groups), attrs);
  AOT_CHECK_OK(n);
  return *n;
}

// A graph that touches every part of the format: scalar attributes of each
// kind, int lists, None, strings, dtypes and devices as attributes, a Tensor[]
// operand, absent optional tensors, several and variadic results, a symbolic
// dimension, a CUDA input, explicit strides, requires_grad and annotations.
std::unique_ptr<Graph> BuildRichGraph() {
  auto g = std::make_unique<Graph>("rich \"graph\"\n\xff");  // Any bytes survive.
  TensorMeta xm = F32({4, 8});
  xm.requires_grad = true;
  Value* x = g->AddInput("x", xm);
  TensorMeta tm = F32({8, 4});
  tm.strides = {1, 8};  // A transposed view.
  Value* t = g->AddInput("t", tm);
  TensorMeta sm(Shape(DimVec{Dim::Symbol("B"), Dim(8)}), DType::kFloat32);
  Value* s = g->AddInput("s", sm);
  Value* c = g->AddInput("c", TensorMeta(Shape{3}, DType::kFloat16, Device::Cuda(1)));
  Value* w = g->AddInput("w", F32({6, 8}));
  Value* ln_w = g->AddInput("ln_w", F32({8}));

  Node* mul = MustCreate(*g, OpKind::kMulScalar, {x}, {{"other", 2.5}});
  Node* add = MustCreate(*g, OpKind::kAddScalar, {mul->result()}, {{"other", int64_t{3}}, {"alpha", true}});
  Node* add2 = MustCreate(*g, OpKind::kAdd, {add->result(), x}, {{"alpha", int64_t{-2}}});
  Node* clamp = MustCreate(*g, OpKind::kClamp, {add2->result()}, {{"max", 6.0}});  // min stays None.
  Node* sum = MustCreate(*g, OpKind::kSum, {clamp->result()},
                         {{"dim", std::vector<int64_t>{1}}, {"keepdim", true}});
  Node* mean = MustCreate(*g, OpKind::kMean, {clamp->result()}, {{"dtype", DType::kFloat64}});
  Node* var_mean = MustCreate(*g, OpKind::kVarMean, {x}, {{"dim", std::vector<int64_t>{0, 1}}, {"correction", 0}});
  Node* cat = MustCreateWithGroups(*g, OpKind::kCat, {{x, clamp->result(), add->result()}}, {{"dim", 0}});
  Node* linear = MustCreate(*g, OpKind::kLinear, {x, w, nullptr});
  Node* ln = MustCreate(*g, OpKind::kLayerNorm, {x, ln_w, nullptr},
                        {{"normalized_shape", std::vector<int64_t>{8}}, {"eps", 1e-6}});
  Node* split = MustCreate(*g, OpKind::kSplit, {cat->result()}, {{"split_size", 5}});
  Node* gelu = MustCreate(*g, OpKind::kGelu, {ln->result()}, {{"approximate", "tanh"}});
  Node* tt = MustCreate(*g, OpKind::kAdd, {t, t});
  Node* sym = MustCreate(*g, OpKind::kRelu, {s});
  Node* sym_sum = MustCreate(*g, OpKind::kSum, {sym->result()}, {{"dim", std::vector<int64_t>{0}}});
  Node* cuda = MustCreate(*g, OpKind::kToCopy, {c}, {{"dtype", DType::kFloat32}, {"device", Device::Cuda(0)}});
  Node* full = MustCreate(*g, OpKind::kFull, {}, {{"size", std::vector<int64_t>{2, 2}}, {"fill_value", false}});
  mul->set_annotation("scope", "model.layer1");
  mul->set_annotation("recompute", "true");
  ln->set_annotation("\x01key", std::string("v\0al", 4));

  std::vector<Value*> outputs = {add2->result(),      sum->result(),  mean->result(),    var_mean->result(0),
                                 var_mean->result(1), linear->result(), ln->result(1),   ln->result(2),
                                 gelu->result(),      tt->result(),   sym_sum->result(), cuda->result(),
                                 full->result(),      x};
  for (int i = 0; i < split->num_results(); ++i) outputs.push_back(split->result(i));
  g->SetOutputs(outputs);
  AOT_CHECK_OK(VerifyGraph(*g));
  return g;
}

void ExpectSameValue(const Value& a, const Value& b) {
  EXPECT_EQ(a.name(), b.name());
  EXPECT_EQ(a.meta(), b.meta()) << a.name() << ": " << a.meta() << " vs " << b.meta();
  EXPECT_EQ(a.meta().strides, b.meta().strides) << a.name();
  EXPECT_EQ(a.meta().shape.ToString(), b.meta().shape.ToString()) << a.name();
}

// Compares two graphs field by field.
void ExpectSameGraph(const Graph& a, const Graph& b) {
  EXPECT_EQ(a.name(), b.name());
  ASSERT_EQ(a.num_inputs(), b.num_inputs());
  for (int i = 0; i < a.num_inputs(); ++i) ExpectSameValue(*a.input(i), *b.input(i));
  std::vector<Node*> an = a.nodes(), bn = b.nodes();
  ASSERT_EQ(an.size(), bn.size());
  for (size_t i = 0; i < an.size(); ++i) {
    const Node& x = *an[i];
    const Node& y = *bn[i];
    SCOPED_TRACE(absl::StrCat("node ", i, " ", x.name()));
    EXPECT_EQ(x.op().name(), y.op().name());
    ASSERT_EQ(x.num_groups(), y.num_groups());
    for (int g = 0; g < x.num_groups(); ++g) {
      std::vector<Value*> xg = x.group(g), yg = y.group(g);
      ASSERT_EQ(xg.size(), yg.size()) << "group " << g;
      for (size_t k = 0; k < xg.size(); ++k) EXPECT_EQ(xg[k]->name(), yg[k]->name());
    }
    ASSERT_EQ(x.attrs().size(), y.attrs().size());
    for (size_t k = 0; k < x.attrs().size(); ++k) {
      // operator== compares the variant, so an int 1 differs from a float 1.0.
      EXPECT_EQ(x.attrs()[k], y.attrs()[k]) << x.attrs()[k] << " vs " << y.attrs()[k];
      EXPECT_EQ(x.attrs()[k].storage().index(), y.attrs()[k].storage().index());
    }
    ASSERT_EQ(x.num_results(), y.num_results());
    for (int r = 0; r < x.num_results(); ++r) ExpectSameValue(*x.result(r), *y.result(r));
    EXPECT_EQ(x.annotations(), y.annotations());
  }
  ASSERT_EQ(a.num_outputs(), b.num_outputs());
  for (int i = 0; i < a.num_outputs(); ++i) EXPECT_EQ(a.output(i)->name(), b.output(i)->name());
}

TEST(GraphProtoTest, RoundTripKeepsEverything) {
  std::unique_ptr<Graph> g = BuildRichGraph();
  std::string bytes = SerializeGraph(*g);
  absl::StatusOr<std::unique_ptr<Graph>> loaded = DeserializeGraph(bytes);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ExpectSameGraph(*g, **loaded);
  EXPECT_EQ(SerializeGraph(**loaded), bytes);
}

TEST(GraphProtoTest, RoundTripKeepsScalarKindsAndSpecialValues) {
  std::unique_ptr<Graph> g = BuildRichGraph();
  absl::StatusOr<std::unique_ptr<Graph>> loaded = DeserializeGraph(SerializeGraph(*g));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  const Graph& l = **loaded;
  EXPECT_TRUE(l.FindValue("mul")->producer()->attr("other").is_float());
  EXPECT_TRUE(l.FindValue("add")->producer()->attr("other").is_int());
  EXPECT_TRUE(l.FindValue("add")->producer()->attr("alpha").is_bool());
  EXPECT_TRUE(l.FindValue("clamp")->producer()->attr("min").is_none());
  EXPECT_EQ(l.FindValue("full")->producer()->attr("fill_value"), AttrValue(false));
  EXPECT_EQ(l.FindValue("gelu")->producer()->attr("approximate"), AttrValue("tanh"));
  EXPECT_EQ(l.FindValue("to_copy")->producer()->attr("device"), AttrValue(Device::Cuda(0)));
  EXPECT_EQ(l.FindValue("c")->meta().device, Device::Cuda(1));
  EXPECT_TRUE(l.FindValue("x")->meta().requires_grad);
  EXPECT_EQ(l.FindValue("t")->meta().strides, (std::vector<int64_t>{1, 8}));
  EXPECT_EQ(l.FindValue("s")->meta().shape.dim(0), Dim::Symbol("B"));
  Node* linear = l.FindValue("linear")->producer();
  EXPECT_EQ(linear->group_size(2), 0);  // The absent bias.
  EXPECT_EQ(l.FindValue("cat")->producer()->group_size(0), 3);
  EXPECT_EQ(l.FindValue("split")->producer()->num_results(), 3);
  EXPECT_EQ(l.FindValue("layer_norm")->producer()->num_results(), 3);
  Node* mul = l.FindValue("mul")->producer();
  EXPECT_EQ(mul->annotation("scope"), "model.layer1");
  EXPECT_EQ(mul->annotations().front().first, "scope");
  EXPECT_EQ(l.FindValue("layer_norm")->producer()->annotation("\x01key"), std::string("v\0al", 4));
  EXPECT_EQ(l.name(), "rich \"graph\"\n\xff");
}

TEST(GraphProtoTest, EmptyGraphRoundTrips) {
  Graph g("empty");
  absl::StatusOr<std::unique_ptr<Graph>> loaded = DeserializeGraph(SerializeGraph(g));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ((*loaded)->name(), "empty");
  EXPECT_EQ((*loaded)->num_nodes(), 0);
}

TEST(GraphProtoTest, MessageHasVersionAndOpNames) {
  proto::GraphProto m = GraphToProto(*BuildRichGraph());
  EXPECT_EQ(m.version(), 1u);
  EXPECT_EQ(m.nodes(0).op(), "mul.Scalar");
  EXPECT_EQ(m.nodes(0).attrs(0).name(), "other");
  EXPECT_EQ(m.nodes(0).attrs(0).value().value_case(), proto::AttrValueProto::kF);
  EXPECT_EQ(m.inputs(0).meta().dtype(), proto::DATA_TYPE_F32);
}

std::string TmpPath(absl::string_view name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(dir != nullptr ? dir : "/tmp", "/", name);
}

TEST(GraphProtoTest, SavesAndLoadsFiles) {
  std::unique_ptr<Graph> g = BuildRichGraph();
  std::string path = TmpPath("rich.pb");
  ASSERT_TRUE(SaveGraphProto(*g, path).ok());
  absl::StatusOr<std::unique_ptr<Graph>> loaded = LoadGraphProto(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ExpectSameGraph(*g, **loaded);
  EXPECT_EQ(SerializeGraph(**loaded), SerializeGraph(*g));
}

TEST(GraphProtoTest, MissingFileIsNotFound) {
  std::string path = TmpPath("does_not_exist.pb");
  absl::StatusOr<std::unique_ptr<Graph>> loaded = LoadGraphProto(path);
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(absl::StrContains(loaded.status().message(), path)) << loaded.status();
}

TEST(GraphProtoTest, IoErrorsNameThePath) {
  std::unique_ptr<Graph> g = BuildRichGraph();
  std::string bad = TmpPath("no_such_dir/g.pb");
  absl::Status saved = SaveGraphProto(*g, bad);
  EXPECT_FALSE(saved.ok());
  EXPECT_TRUE(absl::StrContains(saved.message(), bad)) << saved;
  // A directory opens but does not read.
  std::string dir = std::getenv("TEST_TMPDIR") != nullptr ? std::getenv("TEST_TMPDIR") : "/tmp";
  absl::StatusOr<std::unique_ptr<Graph>> loaded = LoadGraphProto(dir);
  EXPECT_FALSE(loaded.ok());
  EXPECT_TRUE(absl::StrContains(loaded.status().message(), dir)) << loaded.status();
}

TEST(GraphProtoTest, GarbageFileIsInvalidArgument) {
  std::string path = TmpPath("garbage.pb");
  std::FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  std::fputs("\xff\xff\xff\xff not a proto", f);
  std::fclose(f);
  absl::StatusOr<std::unique_ptr<Graph>> loaded = LoadGraphProto(path);
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(loaded.status().message(), "not a valid GraphProto")) << loaded.status();
  EXPECT_TRUE(absl::StrContains(loaded.status().message(), path)) << loaded.status();
}

// Loads `m` and expects InvalidArgument whose message contains each of
// `parts`.
void ExpectInvalid(const proto::GraphProto& m, std::vector<std::string> parts) {
  absl::StatusOr<std::unique_ptr<Graph>> g = GraphFromProto(m);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), absl::StatusCode::kInvalidArgument) << g.status();
  for (const std::string& p : parts) EXPECT_TRUE(absl::StrContains(g.status().message(), p)) << g.status();
}

// x -> mul.Scalar -> relu, a small graph for targeted corruptions.
proto::GraphProto SmallMessage() {
  Graph g("small");
  Value* x = g.AddInput("x", F32({2, 3}));
  Node* mul = MustCreate(g, OpKind::kMulScalar, {x}, {{"other", 2}});
  Node* relu = MustCreate(g, OpKind::kRelu, {mul->result()});
  g.SetOutputs({relu->result()});
  return GraphToProto(g);
}

TEST(GraphProtoTest, RejectsUnknownVersion) {
  proto::GraphProto m = SmallMessage();
  m.set_version(2);
  ExpectInvalid(m, {"version 2"});
  m.clear_version();
  ExpectInvalid(m, {"version 0"});
}

TEST(GraphProtoTest, RejectsBadBytes) {
  absl::StatusOr<std::unique_ptr<Graph>> g = DeserializeGraph("\x0a\xff\xff\xff\xff\x0f");
  EXPECT_EQ(g.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(g.status().message(), "not a valid GraphProto")) << g.status();
}

TEST(GraphProtoTest, RejectsUnknownOp) {
  proto::GraphProto m = SmallMessage();
  m.mutable_nodes(1)->set_op("frobnicate");
  ExpectInvalid(m, {"node 1 'relu'", "unknown op 'frobnicate'"});
}

TEST(GraphProtoTest, RejectsUndefinedAndLateValues) {
  proto::GraphProto m = SmallMessage();
  m.mutable_nodes(1)->mutable_groups(0)->set_values(0, "nope");
  ExpectInvalid(m, {"node 1 'relu' (relu)", "'nope'", "not defined"});
  m = SmallMessage();
  m.mutable_nodes()->SwapElements(0, 1);
  ExpectInvalid(m, {"node 0 'relu' (relu)", "'mul'", "used before it is defined"});
  m = SmallMessage();
  m.set_outputs(0, "ghost");
  ExpectInvalid(m, {"output 0", "'ghost'"});
}

TEST(GraphProtoTest, RejectsDuplicateAndInvalidNames) {
  proto::GraphProto m = SmallMessage();
  m.mutable_nodes(1)->mutable_results(0)->set_name("x");
  ExpectInvalid(m, {"'x' is defined twice"});
  m = SmallMessage();
  *m.add_inputs() = m.inputs(0);
  ExpectInvalid(m, {"input 1", "defined twice"});
  m = SmallMessage();
  m.mutable_inputs(0)->set_name("1x");
  ExpectInvalid(m, {"input 0", "invalid value name"});
  m = SmallMessage();
  m.mutable_inputs(0)->set_name("return");
  ExpectInvalid(m, {"reserved value name"});
}

TEST(GraphProtoTest, RejectsWrongGroupsAndResults) {
  proto::GraphProto m = SmallMessage();
  m.mutable_nodes(1)->add_groups();
  ExpectInvalid(m, {"node 1 'relu' (relu)", "expected 1 operand groups, got 2"});
  m = SmallMessage();
  m.mutable_nodes(1)->mutable_groups(0)->add_values("x");
  ExpectInvalid(m, {"argument 'self' takes one tensor, got 2"});
  m = SmallMessage();
  *m.mutable_nodes(1)->add_results() = m.nodes(1).results(0);
  m.mutable_nodes(1)->mutable_results(1)->set_name("relu_1");
  ExpectInvalid(m, {"expected 1 results, got 2"});
}

TEST(GraphProtoTest, RejectsAttributesOfTheWrongKind) {
  proto::GraphProto m = SmallMessage();
  m.mutable_nodes(0)->mutable_attrs(0)->mutable_value()->set_s("two");
  ExpectInvalid(m, {"node 0 'mul' (mul.Scalar)", "attribute 'other' expects Scalar, got str"});
  m = SmallMessage();
  m.mutable_nodes(0)->mutable_attrs(0)->mutable_value()->mutable_none();
  ExpectInvalid(m, {"attribute 'other' expects Scalar, got None"});
  m = SmallMessage();
  m.mutable_nodes(0)->mutable_attrs(0)->mutable_value()->Clear();
  ExpectInvalid(m, {"attribute 'other': no value"});
  m = SmallMessage();
  m.mutable_nodes(0)->mutable_attrs(0)->set_name("bogus");
  ExpectInvalid(m, {"unknown attribute 'bogus'"});
  m = SmallMessage();
  *m.mutable_nodes(0)->add_attrs() = m.nodes(0).attrs(0);
  ExpectInvalid(m, {"attribute 'other' given twice"});
  m = SmallMessage();
  m.mutable_nodes(0)->clear_attrs();
  ExpectInvalid(m, {"node 0 'mul' (mul.Scalar)", "missing required attribute 'other'"});
}

TEST(GraphProtoTest, FloatAttributeMustBeFloat) {
  Graph g;
  Value* x = g.AddInput("x", F32({2, 8}));
  MustCreate(g, OpKind::kLayerNorm, {x, nullptr, nullptr}, {{"normalized_shape", std::vector<int64_t>{8}}});
  proto::GraphProto m = GraphToProto(g);
  proto::NamedAttr* eps = m.mutable_nodes(0)->mutable_attrs(1);
  ASSERT_EQ(eps->name(), "eps");
  eps->mutable_value()->set_i(1);
  ExpectInvalid(m, {"attribute 'eps' expects float, got int"});
}

TEST(GraphProtoTest, RejectsBadMetadata) {
  proto::GraphProto m = SmallMessage();
  m.mutable_inputs(0)->mutable_meta()->mutable_dims(0)->set_size(-1);
  ExpectInvalid(m, {"input 0 'x'", "dimension 0 is negative"});
  m = SmallMessage();
  m.mutable_inputs(0)->mutable_meta()->set_dtype(static_cast<proto::DataType>(42));
  ExpectInvalid(m, {"unknown dtype 42"});
  m = SmallMessage();
  m.mutable_nodes(0)->mutable_results(0)->mutable_meta()->mutable_device()->set_type(
      static_cast<proto::DeviceType>(9));
  ExpectInvalid(m, {"node 0 'mul' (mul.Scalar): result 0", "unknown device type 9"});
  m = SmallMessage();
  m.mutable_inputs(0)->mutable_meta()->mutable_device()->set_index(3);
  ExpectInvalid(m, {"cpu device with index 3"});
  m = SmallMessage();
  m.mutable_inputs(0)->mutable_meta()->add_strides(1);
  ExpectInvalid(m, {"1 strides for rank 2"});
  m = SmallMessage();
  m.mutable_inputs(0)->mutable_meta()->mutable_dims(0)->set_symbol("a b");
  ExpectInvalid(m, {"invalid symbol"});
  m = SmallMessage();
  m.mutable_inputs(0)->mutable_meta()->mutable_dims(0)->set_size(int64_t{1} << 40);
  m.mutable_inputs(0)->mutable_meta()->mutable_dims(1)->set_size(int64_t{1} << 40);
  ExpectInvalid(m, {"larger than"});
  m = SmallMessage();
  m.mutable_inputs(0)->clear_meta();
  ExpectInvalid(m, {"missing metadata"});
}

TEST(GraphProtoTest, RunsTheVerifier) {
  proto::GraphProto m = SmallMessage();
  // Well formed, but relu of f32[2,3] is not f32[2,4].
  m.mutable_nodes(1)->mutable_results(0)->mutable_meta()->mutable_dims(1)->set_size(4);
  absl::StatusOr<std::unique_ptr<Graph>> g = GraphFromProto(m);
  ASSERT_FALSE(g.ok());
  EXPECT_TRUE(absl::StrContains(g.status().message(), "relu")) << g.status();
}

// --- Fuzzing ----------------------------------------------------------------

// Silences protobuf's log (invalid UTF-8 reports) while corrupt bytes parse.
class ScopedSilentProtobufLog {
 public:
  ScopedSilentProtobufLog() : old_(google::protobuf::SetLogHandler(nullptr)) {}
  ~ScopedSilentProtobufLog() { google::protobuf::SetLogHandler(old_); }

 private:
  google::protobuf::LogHandler* old_;
};

struct Outcomes {
  int errors = 0;
  int accepted = 0;
};

// Loads corrupt input: an error, or a graph that verifies and round trips.
void Check(const absl::StatusOr<std::unique_ptr<Graph>>& g, Outcomes* out) {
  if (!g.ok()) {
    ++out->errors;
    return;
  }
  ++out->accepted;
  ASSERT_TRUE(VerifyGraph(**g).ok());
  std::string again = SerializeGraph(**g);
  absl::StatusOr<std::unique_ptr<Graph>> reloaded = DeserializeGraph(again);
  ASSERT_TRUE(reloaded.ok()) << reloaded.status();
  EXPECT_EQ(SerializeGraph(**reloaded), again);
}

TEST(GraphProtoFuzzTest, CorruptBytesNeverCrash) {
  ScopedSilentProtobufLog silent;
  const std::string bytes = SerializeGraph(*BuildRichGraph());
  std::mt19937 rng(20240611);
  auto pick = [&rng](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  auto byte = [&rng]() { return static_cast<char>(std::uniform_int_distribution<int>(0, 255)(rng)); };
  Outcomes out;
  // Every truncation.
  for (size_t n = 0; n < bytes.size(); ++n) Check(DeserializeGraph(bytes.substr(0, n)), &out);
  for (int i = 0; i < 1500; ++i) {
    std::string b = bytes;
    int flips = 1 + static_cast<int>(pick(3));
    for (int k = 0; k < flips; ++k) b[pick(b.size())] ^= static_cast<char>(1 + pick(255));
    Check(DeserializeGraph(b), &out);
  }
  for (int i = 0; i < 1000; ++i) {
    std::string b = bytes;
    b.insert(b.begin() + pick(b.size() + 1), byte());
    Check(DeserializeGraph(b), &out);
  }
  for (int i = 0; i < 1000; ++i) {
    std::string b = bytes;
    b.erase(pick(b.size()), 1 + pick(4));
    Check(DeserializeGraph(b), &out);
  }
  std::printf("bytes: %d errors, %d accepted\n", out.errors, out.accepted);
  EXPECT_GT(out.errors, 3000);
}

// Mutations at the message level: plausible messages that lie.
TEST(GraphProtoFuzzTest, CorruptMessagesNeverCrash) {
  const proto::GraphProto base = GraphToProto(*BuildRichGraph());
  std::mt19937 rng(7);
  auto pick = [&rng](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };
  absl::Span<const OpDef* const> ops = AllOps();
  // Every value name in the message, to point references at.
  std::vector<std::string> names;
  for (const auto& v : base.inputs()) names.push_back(v.name());
  for (const auto& n : base.nodes()) {
    for (const auto& v : n.results()) names.push_back(v.name());
  }
  auto random_meta = [&](proto::GraphProto& m) -> proto::TensorMetaProto* {
    int i = pick(m.inputs_size() + m.nodes_size());
    if (i < m.inputs_size()) return m.mutable_inputs(i)->mutable_meta();
    proto::NodeProto* n = m.mutable_nodes(i - m.inputs_size());
    if (n->results_size() == 0) return m.mutable_inputs(0)->mutable_meta();
    return n->mutable_results(pick(n->results_size()))->mutable_meta();
  };
  // Small, edge and extreme integers for attributes.
  const std::vector<int64_t> kInts = {-2, -1, 0, 1, 2, 3, int64_t{1} << 40, INT64_MAX, INT64_MIN};
  Outcomes out;
  for (int i = 0; i < 3000; ++i) {
    proto::GraphProto m = base;
    int mutations = 1 + pick(2);
    for (int k = 0; k < mutations; ++k) {
      proto::NodeProto* node = m.nodes_size() > 0 ? m.mutable_nodes(pick(m.nodes_size())) : nullptr;
      switch (pick(14)) {
        case 0:  // Another op, keeping operands and attributes.
          if (node) node->set_op(ops[pick(static_cast<int>(ops.size()))]->name());
          break;
        case 1:  // A dtype, valid or not.
          random_meta(m)->set_dtype(static_cast<proto::DataType>(pick(12)));
          break;
        case 2:  // Drop a node.
          if (node) m.mutable_nodes()->DeleteSubrange(pick(m.nodes_size()), 1);
          break;
        case 3:  // Rename a use.
          if (node && node->groups_size() > 0) {
            proto::OperandGroup* g = node->mutable_groups(pick(node->groups_size()));
            if (g->values_size() > 0) g->set_values(pick(g->values_size()), names[pick(names.size())]);
          }
          break;
        case 4:  // Rename a definition.
          if (node && node->results_size() > 0) {
            node->mutable_results(pick(node->results_size()))->set_name(names[pick(names.size())]);
          }
          break;
        case 5:  // Change an attribute's kind.
          if (node && node->attrs_size() > 0) {
            proto::AttrValueProto* v = node->mutable_attrs(pick(node->attrs_size()))->mutable_value();
            switch (pick(9)) {
              case 0: v->mutable_none(); break;
              case 1: v->set_i(kInts[pick(kInts.size())]); break;
              case 2: v->set_f(0.5); break;
              case 3: v->set_b(true); break;
              case 4: v->set_s("s"); break;
              case 5: v->mutable_ints()->add_values(kInts[pick(kInts.size())]); break;
              case 6: v->mutable_floats()->add_values(1.5); break;
              case 7: v->set_dtype(static_cast<proto::DataType>(pick(10))); break;
              default: v->mutable_device()->set_type(static_cast<proto::DeviceType>(pick(5))); break;
            }
          }
          break;
        case 6: {  // Change a dimension.
          proto::TensorMetaProto* meta = random_meta(m);
          if (meta->dims_size() > 0) {
            proto::DimProto* d = meta->mutable_dims(pick(meta->dims_size()));
            int what = pick(4);
            if (what == 0) d->set_size(-1 - pick(3));
            if (what == 1) d->set_symbol(pick(2) ? "B" : "");
            if (what == 2) d->set_size(pick(10));
            if (what == 3) d->Clear();
          }
          break;
        }
        case 7:  // Swap two nodes.
          if (m.nodes_size() > 1) m.mutable_nodes()->SwapElements(pick(m.nodes_size()), pick(m.nodes_size()));
          break;
        case 8:  // Add or drop operands of a group.
          if (node && node->groups_size() > 0) {
            proto::OperandGroup* g = node->mutable_groups(pick(node->groups_size()));
            if (pick(2) && g->values_size() > 0) {
              g->mutable_values()->RemoveLast();
            } else {
              g->add_values(names[pick(names.size())]);
            }
          }
          break;
        case 9:  // Drop or add a group.
          if (node) {
            if (pick(2) && node->groups_size() > 0) {
              node->mutable_groups()->RemoveLast();
            } else {
              node->add_groups();
            }
          }
          break;
        case 10:  // Drop or duplicate a result.
          if (node && node->results_size() > 0) {
            if (pick(2)) {
              node->mutable_results()->RemoveLast();
            } else {
              *node->add_results() = node->results(0);
            }
          }
          break;
        case 11:  // A device or strides.
          if (pick(2)) {
            proto::DeviceProto* d = random_meta(m)->mutable_device();
            d->set_type(static_cast<proto::DeviceType>(pick(5)));
            d->set_index(pick(4) - 1);
          } else {
            proto::TensorMetaProto* meta = random_meta(m);
            meta->add_strides(pick(3) - 1);
          }
          break;
        case 12:  // An output.
          if (m.outputs_size() > 0) {
            m.set_outputs(pick(m.outputs_size()), names[pick(names.size())] + (pick(2) ? "" : "_"));
          }
          break;
        default:  // The version.
          m.set_version(pick(3));
          break;
      }
    }
    Check(GraphFromProto(m), &out);
    if (::testing::Test::HasFatalFailure()) {
      ADD_FAILURE() << "mutation " << i << " broke the invariant:\n" << m.DebugString();
      return;
    }
  }
  std::printf("messages: %d errors, %d accepted\n", out.errors, out.accepted);
  EXPECT_GT(out.errors, 1000);
  EXPECT_GT(out.accepted, 0);
}

}  // namespace
}  // namespace aot::ir
