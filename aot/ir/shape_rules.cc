#include "aot/ir/shape_rules.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "aot/base/status_macros.h"

namespace aot::ir::rules {
namespace {

using Metas = std::vector<TensorMeta>;

TensorMeta Meta(Shape shape, DType dtype, Device device) { return TensorMeta(std::move(shape), dtype, device); }

// The device every tensor operand is on; InvalidArgument if they differ.
absl::StatusOr<Device> CommonDevice(const ShapeContext& ctx) {
  std::optional<Device> device;
  const OpSchema& schema = ctx.op().schema();
  for (int g = 0; g < ctx.num_groups(); ++g) {
    for (const TensorMeta* m : ctx.input_list(g)) {
      if (!device) {
        device = m->device;
      } else if (*device != m->device) {
        return ctx.Error(absl::StrCat("expected all tensors on one device, but '",
                                      schema.args()[schema.tensor_args()[g]].name, "' is on ",
                                      m->device.ToString(), " and an earlier operand on ", device->ToString()));
      }
    }
  }
  return device.value_or(Device::Cpu());
}

std::string ArgName(const ShapeContext& ctx, int group) {
  const OpSchema& s = ctx.op().schema();
  return s.args()[s.tensor_args()[group]].name;
}

absl::Status RequireFloat(const ShapeContext& ctx, int group) {
  const TensorMeta& m = ctx.input(group);
  if (IsFloating(m.dtype)) return absl::OkStatus();
  return ctx.Error(absl::StrCat("'", ArgName(ctx, group), "' must be a floating tensor, got ", m.ToString()));
}

absl::Status RequireIntegral(const ShapeContext& ctx, int group) {
  const TensorMeta& m = ctx.input(group);
  if (m.dtype == DType::kInt64 || m.dtype == DType::kInt32) return absl::OkStatus();
  return ctx.Error(absl::StrCat("'", ArgName(ctx, group), "' must be an i64 or i32 tensor, got ", m.ToString()));
}

absl::Status RequireRank(const ShapeContext& ctx, int group, int lo, int hi) {
  int r = ctx.input(group).shape.rank();
  if (r >= lo && r <= hi) return absl::OkStatus();
  std::string want = lo == hi ? absl::StrCat(lo) : absl::StrCat(lo, " to ", hi);
  return ctx.Error(absl::StrCat("'", ArgName(ctx, group), "' must have rank ", want, ", got ",
                                ctx.input(group).ToString()));
}

// Returns the concrete size of `d` or Unimplemented for a symbol.
absl::StatusOr<int64_t> Concrete(const ShapeContext& ctx, const Dim& d) {
  if (auto v = d.concrete()) return *v;
  return absl::UnimplementedError(
      absl::StrCat(ctx.op().name(), ": symbolic dimension '", d.symbol(), "' is not supported by this op yet"));
}

// Dtype of a Scalar attribute's category relative to a tensor's dtype.
DType ScalarResultDType(DType tensor, const AttrValue& scalar) {
  if (scalar.is_float() && !IsFloating(tensor)) return DType::kFloat32;
  if (scalar.is_int() && tensor == DType::kBool) return DType::kInt64;
  return tensor;
}

// Returns true if a result of type `from` may be written into a tensor of
// type `to` (PyTorch's canCast): not floating into integral, nothing but bool
// into bool.
bool CanCast(DType from, DType to) {
  if (IsFloating(from) && !IsFloating(to)) return false;
  if (from != DType::kBool && to == DType::kBool) return false;
  return true;
}

// The result dtype of clamp: an integral or bool `self` promotes with the
// bounds (Scalars), a floating one stays.
DType ClampResultDType(const ShapeContext& ctx, DType self) {
  DType out = self;
  for (absl::string_view bound : {"min", "max"}) {
    const AttrValue& v = ctx.attr(bound);
    if (!v.is_none()) out = PromoteTypes(out, ScalarResultDType(self, v));
  }
  return out;
}

// Reduced shape for a list of dims (empty = all).
absl::StatusOr<Shape> ReduceShape(const ShapeContext& ctx, const Shape& in, const std::vector<int64_t>& dims,
                                  bool keepdim) {
  // A scalar reduces over dim 0 (or -1) to a scalar, as in PyTorch.
  std::vector<bool> reduce(std::max(in.rank(), 1), dims.empty());
  for (int64_t d : dims) {
    AOT_ASSIGN_OR_RETURN(int nd, NormalizeDim(ctx, d, in.rank()));
    if (reduce[nd]) return ctx.Error(absl::StrCat("dim ", d, " appears twice in [", absl::StrJoin(dims, ","), "]"));
    reduce[nd] = true;
  }
  Shape out;
  for (int i = 0; i < in.rank(); ++i) {
    if (!reduce[i]) {
      out.push_back(in.dim(i));
    } else if (keepdim) {
      out.push_back(Dim(1));
    }
  }
  return out;
}

std::vector<int64_t> OptionalDims(const ShapeContext& ctx) {
  const AttrValue& d = ctx.attr("dim");
  return d.is_none() ? std::vector<int64_t>{} : d.ints();
}

// Expands a 1- or 2-element int list to two (pooling/conv parameters).
absl::StatusOr<std::pair<int64_t, int64_t>> Pair(const ShapeContext& ctx, absl::string_view name,
                                                 std::pair<int64_t, int64_t> if_empty) {
  const std::vector<int64_t>& v = ctx.Ints(name);
  if (v.empty()) return if_empty;
  if (v.size() == 1) return std::make_pair(v[0], v[0]);
  if (v.size() == 2) return std::make_pair(v[0], v[1]);
  return ctx.Error(absl::StrCat("'", name, "' must have 1 or 2 elements, got [", absl::StrJoin(v, ","), "]"));
}

// Division rounding towards negative infinity (PyTorch's div_rtn).
int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int64_t PoolOutputSize(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d, bool ceil_mode) {
  // `numer` is negative when the kernel does not fit; it must round down so
  // that a stride > 1 cannot turn that into one output element.
  int64_t numer = in + 2 * p - d * (k - 1) - 1;
  int64_t out = FloorDiv(ceil_mode ? numer + s - 1 : numer, s) + 1;
  // The last window must start inside the input or the left padding.
  if (ceil_mode && (out - 1) * s >= in + p) --out;
  return out;
}

}  // namespace

absl::StatusOr<Shape> BroadcastShapes(const Shape& a, const Shape& b) {
  int rank = std::max(a.rank(), b.rank());
  Shape out;
  for (int i = 0; i < rank; ++i) {
    int ia = a.rank() - rank + i, ib = b.rank() - rank + i;
    Dim da = ia >= 0 ? a.dim(ia) : Dim(1);
    Dim db = ib >= 0 ? b.dim(ib) : Dim(1);
    if (da == db || db == Dim(1)) {
      out.push_back(da);
    } else if (da == Dim(1)) {
      out.push_back(db);
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot broadcast ", a.ToString(), " with ", b.ToString(), " (dimension ", i, ": ",
                       da.ToString(), " vs ", db.ToString(), ")"));
    }
  }
  return out;
}

absl::StatusOr<int> NormalizeDim(const ShapeContext& ctx, int64_t dim, int rank) {
  int r = std::max(rank, 1);
  if (dim < -r || dim >= r) {
    return ctx.Error(absl::StrCat("dim ", dim, " is out of range for a tensor of rank ", rank,
                                  " (expected ", -r, " to ", r - 1, ")"));
  }
  return static_cast<int>(dim < 0 ? dim + r : dim);
}

// --- Elementwise ------------------------------------------------------------

absl::StatusOr<Metas> SameAsInput(const ShapeContext& ctx) {
  const TensorMeta& in = ctx.input(0);
  DType dtype = ctx.op().kind() == OpKind::kClamp ? ClampResultDType(ctx, in.dtype) : in.dtype;
  return Metas{Meta(in.shape, dtype, in.device)};
}

absl::StatusOr<Metas> FloatUnary(const ShapeContext& ctx) {
  const TensorMeta& in = ctx.input(0);
  if (ctx.op().schema().AttrIndex("approximate") >= 0) {
    const std::string& a = ctx.attr("approximate").s();
    if (a != "none" && a != "tanh") return ctx.Error(absl::StrCat("approximate must be \"none\" or \"tanh\", got \"", a, "\""));
  }
  return Metas{Meta(in.shape, ToFloating(in.dtype), in.device)};
}

static absl::StatusOr<TensorMeta> BroadcastBinary(const ShapeContext& ctx) {
  AOT_ASSIGN_OR_RETURN(Device device, CommonDevice(ctx));
  const TensorMeta& a = ctx.input(0);
  const TensorMeta& b = ctx.input(1);
  absl::StatusOr<Shape> shape = BroadcastShapes(a.shape, b.shape);
  if (!shape.ok()) {
    return ctx.Error(absl::StrCat("'", ArgName(ctx, 0), "' is ", a.ToString(), ", '", ArgName(ctx, 1), "' is ",
                                  b.ToString(), ": ", shape.status().message()));
  }
  return Meta(*std::move(shape), PromoteTypes(a.dtype, b.dtype), device);
}

absl::StatusOr<Metas> BinaryPromote(const ShapeContext& ctx) {
  AOT_ASSIGN_OR_RETURN(TensorMeta m, BroadcastBinary(ctx));
  return Metas{std::move(m)};
}

absl::StatusOr<Metas> BinaryFloat(const ShapeContext& ctx) {
  AOT_ASSIGN_OR_RETURN(TensorMeta m, BroadcastBinary(ctx));
  m.dtype = ToFloating(m.dtype);
  return Metas{std::move(m)};
}

absl::StatusOr<Metas> BinaryCompare(const ShapeContext& ctx) {
  AOT_ASSIGN_OR_RETURN(TensorMeta m, BroadcastBinary(ctx));
  m.dtype = DType::kBool;
  return Metas{std::move(m)};
}

absl::StatusOr<Metas> SameShapeBinary(const ShapeContext& ctx) {
  AOT_ASSIGN_OR_RETURN(Device device, CommonDevice(ctx));
  const TensorMeta& a = ctx.input(0);
  const TensorMeta& b = ctx.input(1);
  if (a.shape != b.shape) {
    return ctx.Error(absl::StrCat("'", ArgName(ctx, 0), "' is ", a.ToString(), " but '", ArgName(ctx, 1),
                                  "' is ", b.ToString(), "; expected equal shapes"));
  }
  return Metas{Meta(a.shape, PromoteTypes(a.dtype, b.dtype), device)};
}

absl::StatusOr<Metas> ScalarPromote(const ShapeContext& ctx) {
  const TensorMeta& in = ctx.input(0);
  const OpSchema& s = ctx.op().schema();
  const AttrValue& scalar = ctx.attr(s.args()[s.attr_args()[0]].name);
  return Metas{Meta(in.shape, ScalarResultDType(in.dtype, scalar), in.device)};
}

absl::StatusOr<Metas> ScalarFloat(const ShapeContext& ctx) {
  AOT_ASSIGN_OR_RETURN(Metas m, ScalarPromote(ctx));
  m[0].dtype = ToFloating(m[0].dtype);
  return m;
}

absl::StatusOr<Metas> ScalarCompare(const ShapeContext& ctx) {
  const TensorMeta& in = ctx.input(0);
  return Metas{Meta(in.shape, DType::kBool, in.device)};
}

absl::StatusOr<Metas> Where(const ShapeContext& ctx) {
  AOT_ASSIGN_OR_RETURN(Device device, CommonDevice(ctx));
  const TensorMeta& c = ctx.input(0);
  if (c.dtype != DType::kBool) return ctx.Error(absl::StrCat("condition must be bool, got ", c.ToString()));
  const TensorMeta& a = ctx.input(1);
  const TensorMeta& b = ctx.input(2);
  absl::StatusOr<Shape> s = BroadcastShapes(c.shape, a.shape);
  if (s.ok()) s = BroadcastShapes(*s, b.shape);
  if (!s.ok()) {
    return ctx.Error(absl::StrCat("condition ", c.ToString(), ", self ", a.ToString(), ", other ", b.ToString(),
                                  ": ", s.status().message()));
  }
  return Metas{Meta(*std::move(s), PromoteTypes(a.dtype, b.dtype), device)};
}

absl::StatusOr<Metas> MaskedFill(const ShapeContext& ctx) {
  AOT_ASSIGN_OR_RETURN(Device device, CommonDevice(ctx));
  const TensorMeta& self = ctx.input(0);
  const TensorMeta& mask = ctx.input(1);
  if (mask.dtype != DType::kBool) return ctx.Error(absl::StrCat("mask must be bool, got ", mask.ToString()));
  absl::StatusOr<Shape> s = BroadcastShapes(self.shape, mask.shape);
  if (!s.ok() || *s != self.shape) {
    return ctx.Error(absl::StrCat("mask ", mask.ToString(), " does not broadcast to self ", self.ToString()));
  }
  return Metas{Meta(self.shape, self.dtype, device)};
}

// --- In-place -----------------------------------------------------------------

absl::StatusOr<Metas> InplaceBinary(const ShapeContext& ctx) {
  // copy_ converts between dtypes and devices; the other ops compute in the
  // promoted type on one device and cast the result back into `self`.
  bool copy = ctx.op().kind() == OpKind::kCopy_;
  Device device = ctx.input(0).device;
  if (!copy) {
    AOT_ASSIGN_OR_RETURN(device, CommonDevice(ctx));
  }
  const TensorMeta& self = ctx.input(0);
  const TensorMeta& other = ctx.input(1);
  absl::StatusOr<Shape> s = BroadcastShapes(self.shape, other.shape);
  if (!s.ok() || *s != self.shape) {
    return ctx.Error(absl::StrCat("'", ArgName(ctx, 1), "' ", other.ToString(),
                                  " does not broadcast to the in-place target ", self.ToString()));
  }
  DType result = PromoteTypes(self.dtype, other.dtype);
  if (ctx.op().kind() == OpKind::kDiv_) result = ToFloating(result);
  if (!copy && !CanCast(result, self.dtype)) {
    return ctx.Error(absl::StrCat("result type ", DTypeName(result), " cannot be written in place into ",
                                  self.ToString()));
  }
  return Metas{Meta(self.shape, self.dtype, device)};
}

absl::StatusOr<Metas> InplaceScalar(const ShapeContext& ctx) {
  const TensorMeta& self = ctx.input(0);
  const OpSchema& s = ctx.op().schema();
  const AttrValue& scalar = ctx.attr(s.args()[s.attr_args()[0]].name);
  DType result = ScalarResultDType(self.dtype, scalar);
  if (ctx.op().kind() == OpKind::kDivScalar_) result = ToFloating(result);
  if (ctx.op().kind() != OpKind::kFill_ && result != self.dtype) {
    return ctx.Error(absl::StrCat("result type ", DTypeName(result), " cannot be written in place into ",
                                  self.ToString()));
  }
  return Metas{Meta(self.shape, self.dtype, self.device)};
}

absl::StatusOr<Metas> InplaceUnary(const ShapeContext& ctx) {
  const TensorMeta& self = ctx.input(0);
  switch (ctx.op().kind()) {
    case OpKind::kExp_:
    case OpKind::kSqrt_:
    case OpKind::kSigmoid_:
    case OpKind::kTanh_:
      AOT_RETURN_IF_ERROR(RequireFloat(ctx, 0));
      break;
    case OpKind::kClamp_:
      if (DType result = ClampResultDType(ctx, self.dtype); result != self.dtype) {
        return ctx.Error(absl::StrCat("result type ", DTypeName(result), " cannot be written in place into ",
                                      self.ToString()));
      }
      break;
    default:
      break;
  }
  return Metas{Meta(self.shape, self.dtype, self.device)};
}

// --- Reductions ---------------------------------------------------------------

absl::StatusOr<Metas> Sum(const ShapeContext& ctx) {
  const TensorMeta& in = ctx.input(0);
  AOT_ASSIGN_OR_RETURN(Shape s, ReduceShape(ctx, in.shape, OptionalDims(ctx), ctx.Bool("keepdim")));
  DType dtype = ctx.OptionalDType("dtype").value_or(IsFloating(in.dtype) ? in.dtype : DType::kInt64);
  return Metas{Meta(std::move(s), dtype, in.device)};
}

absl::StatusOr<Metas> Mean(const ShapeContext& ctx) {
  const TensorMeta& in = ctx.input(0);
  std::optional<DType> dtype = ctx.OptionalDType("dtype");
  if (!dtype && !IsFloating(in.dtype)) {
    return ctx.Error(absl::StrCat("cannot infer the result dtype of an integer input ", in.ToString(),
                                  "; pass dtype"));
  }
  AOT_ASSIGN_OR_RETURN(Shape s, ReduceShape(ctx, in.shape, OptionalDims(ctx), ctx.Bool("keepdim")));
  return Metas{Meta(std::move(s), dtype.value_or(in.dtype), in.device)};
}

absl::StatusOr<Metas> ReduceSameDType(const ShapeContext& ctx) {
  const TensorMeta& in = ctx.input(0);
  AOT_ASSIGN_OR_RETURN(Shape s, ReduceShape(ctx, in.shape, ctx.Ints("dim"), ctx.Bool("keepdim")));
  return Metas{Meta(std::move(s), in.dtype, in.device)};
}

absl::StatusOr<Metas> ReduceFloat(const ShapeContext& ctx) {
  AOT_RETURN_IF_ERROR(RequireFloat(ctx, 0));
  const TensorMeta& in = ctx.input(0);
  const AttrValue& d = ctx.attr("dim");
  std::vector<int64_t> dims = d.is_none() ? std::vector<int64_t>{} : d.ints();
  AOT_ASSIGN_OR_RETURN(Shape s, ReduceShape(ctx, in.shape, dims, ctx.Bool("keepdim")));
  return Metas{Meta(std::move(s), in.dtype, in.device)};
}

absl::StatusOr<Metas> VarMean(const ShapeContext& ctx) {
  AOT_ASSIGN_OR_RETURN(Metas m, ReduceFloat(ctx));
  return Metas{m[0], m[0]};
}

absl::StatusOr<Metas> Argmax(const ShapeContext& ctx) {
  const TensorMeta& in = ctx.input(0);
  const AttrValue& d = ctx.attr("dim");
  if (d.is_none()) {
    Shape s;
    if (ctx.Bool("keepdim")) {
      for (int i = 0; i < in.shape.rank(); ++i) s.push_back(Dim(1));
    }
    return Metas{Meta(std::move(s), DType::kInt64, in.device)};
  }
  AOT_ASSIGN_OR_RETURN(Shape s, ReduceShape(ctx, in.shape, {d.i()}, ctx.Bool("keepdim")));
  return Metas{Meta(std::move(s), DType::kInt64, in.device)};
}

// --- Shapes and views ---------------------------------------------------------

absl::StatusOr<Metas> Reshape(const ShapeContext& ctx) {
  const TensorMeta& in = ctx.input(0);
  const std::vector<int64_t>& want = ctx.Ints(ctx.op().kind() == OpKind::kView ? "size" : "shape");
  int infer = -1;
  int64_t known = 1;
  for (size_t i = 0; i < want.size(); ++i) {
    if (want[i] == -1) {
      if (infer >= 0) return ctx.Error("only one dimension can be -1");
      infer = static_cast<int>(i);
    } else if (want[i] < 0) {
      return ctx.Error(absl::StrCat("invalid size ", want[i], " in [", absl::StrJoin(want, ","), "]"));
    } else {
      known *= want[i];
    }
  }
  std::optional<int64_t> numel = in.shape.numel();
  if (!numel) {
    return absl::UnimplementedError(absl::StrCat(ctx.op().name(), ": reshaping symbolic shape ",
                                                 in.shape.ToString(), " is not supported yet"));
  }
  Shape out(want);
  if (infer >= 0) {
    if (known == 0 || *numel % known != 0) {
      return ctx.Error(absl::StrCat("shape [", absl::StrJoin(want, ","), "] is invalid for input ", in.ToString()));
    }
    out.dim(infer) = Dim(*numel / known);
  } else if (known != *numel) {
    return ctx.Error(absl::StrCat("shape [", absl::StrJoin(want, ","), "] is invalid for input ", in.ToString(),
                                  " of ", *numel, " elements"));
  }
  return Metas{Meta(std::move(out), in.dtype, in.device)};
}

absl::StatusOr<Metas> Permute(const ShapeContext& ctx) {
  const TensorMeta& in = ctx.input(0);
  const std::vector<int64_t>& dims = ctx.Ints("dims");
  if (static_cast<int>(dims.size()) != in.shape.rank()) {
    return ctx.Error(absl::StrCat("dims [", absl::StrJoin(dims, ","), "] do not match rank ", in.shape.rank(),
                                  " of ", in.ToString()));
  }
  std::vector<bool> seen(in.shape.rank(), false);
  Shape out;
  for (int64_t d : dims) {
    AOT_ASSIGN_OR_RETURN(int nd, NormalizeDim(ctx, d, in.shape.rank()));
    if (seen[nd]) return ctx.Error(absl::StrCat("dim ", d, " repeats in [", absl::StrJoin(dims, ","), "]"));
    seen[nd] = true;
    out.push_back(in.shape.dim(nd));
  }
  return Metas{Meta(std::move(out), in.dtype, in.device)};
}

absl::StatusOr<Metas> Transpose(const ShapeContext& ctx) {
  const TensorMeta& in = ctx.input(0);
  AOT_ASSIGN_OR_RETURN(int a, NormalizeDim(ctx, ctx.Int("dim0"), in.shape.rank()));
  AOT_ASSIGN_OR_RETURN(int b, NormalizeDim(ctx, ctx.Int("dim1"), in.shape.rank()));
  Shape out = in.shape;
  if (in.shape.rank() > 0) std::swap(out.dim(a), out.dim(b));
  return Metas{Meta(std::move(out), in.dtype, in.device)};
}

absl::StatusOr<Metas> Expand(const ShapeContext& ctx) {
  const TensorMeta& in = ctx.input(0);
  const std::vector<int64_t>& size = ctx.Ints("size");
  int rank = static_cast<int>(size.size());
  if (rank < in.shape.rank()) {
    return ctx.Error(absl::StrCat("cannot expand ", in.ToString(), " to fewer dimensions [",
                                  absl::StrJoin(size, ","), "]"));
  }
  Shape out;
  for (int i = 0; i < rank; ++i) {
    int j = i - (rank - in.shape.rank());
    if (size[i] == -1) {
      if (j < 0) return ctx.Error("-1 is not allowed for a new leading dimension");
      out.push_back(in.shape.dim(j));
    } else if (j < 0 || in.shape.dim(j) == Dim(1) || in.shape.dim(j) == Dim(size[i])) {
      if (size[i] < 0) return ctx.Error(absl::StrCat("invalid size ", size[i]));
      out.push_back(Dim(size[i]));
    } else {
      return ctx.Error(absl::StrCat("cannot expand ", in.ToString(), " to [", absl::StrJoin(size, ","),
                                    "]: dimension ", i, " is ", in.shape.dim(j).ToString(), ", not 1"));
    }
  }
  return Metas{Meta(std::move(out), in.dtype, in.device)};
}

absl::StatusOr<Metas> Squeeze(const ShapeContext& ctx) {
  const TensorMeta& in = ctx.input(0);
  std::vector<bool> drop(in.shape.rank(), false);
  const AttrValue& d = ctx.attr("dim");
  if (d.is_none()) {
    for (int i = 0; i < in.shape.rank(); ++i) drop[i] = in.shape.dim(i) == Dim(1);
  } else {
    for (int64_t x : d.ints()) {
      AOT_ASSIGN_OR_RETURN(int nd, NormalizeDim(ctx, x, in.shape.rank()));
      if (in.shape.rank() > 0) drop[nd] = in.shape.dim(nd) == Dim(1);
    }
  }
  Shape out;
  for (int i = 0; i < in.shape.rank(); ++i) {
    if (!drop[i]) out.push_back(in.shape.dim(i));
  }
  return Metas{Meta(std::move(out), in.dtype, in.device)};
}

absl::StatusOr<Metas> Unsqueeze(const ShapeContext& ctx) {
  const TensorMeta& in = ctx.input(0);
  AOT_ASSIGN_OR_RETURN(int d, NormalizeDim(ctx, ctx.Int("dim"), in.shape.rank() + 1));
  Shape out = in.shape;
  out.insert(d, Dim(1));
  return Metas{Meta(std::move(out), in.dtype, in.device)};
}

absl::StatusOr<Metas> Slice(const ShapeContext& ctx) {
  const TensorMeta& in = ctx.input(0);
  if (in.shape.rank() == 0) return ctx.Error("cannot slice a scalar");
  AOT_ASSIGN_OR_RETURN(int d, NormalizeDim(ctx, ctx.Int("dim"), in.shape.rank()));
  AOT_ASSIGN_OR_RETURN(int64_t size, Concrete(ctx, in.shape.dim(d)));
  int64_t step = ctx.Int("step");
  if (step <= 0) return ctx.Error(absl::StrCat("step must be positive, got ", step));
  auto clamp = [size](const AttrValue& v, int64_t dflt) {
    if (v.is_none()) return dflt;
    int64_t x = v.i();
    if (x < 0) x += size;
    return std::clamp<int64_t>(x, 0, size);
  };
  int64_t start = clamp(ctx.attr("start"), 0);
  int64_t end = clamp(ctx.attr("end"), size);
  int64_t len = end > start ? (end - start + step - 1) / step : 0;
  Shape out = in.shape;
  out.dim(d) = Dim(len);
  return Metas{Meta(std::move(out), in.dtype, in.device)};
}

absl::StatusOr<Metas> Select(const ShapeContext& ctx) {
  const TensorMeta& in = ctx.input(0);
  if (in.shape.rank() == 0) return ctx.Error("cannot select from a scalar");
  AOT_ASSIGN_OR_RETURN(int d, NormalizeDim(ctx, ctx.Int("dim"), in.shape.rank()));
  AOT_ASSIGN_OR_RETURN(int64_t size, Concrete(ctx, in.shape.dim(d)));
  int64_t index = ctx.Int("index");
  if (index < -size || index >= size) {
    return ctx.Error(absl::StrCat("index ", index, " is out of range for dimension ", d, " of size ", size));
  }
  Shape out = in.shape;
  out.erase(d);
  return Metas{Meta(std::move(out), in.dtype, in.device)};
}

absl::StatusOr<Metas> Split(const ShapeContext& ctx) {
  const TensorMeta& in = ctx.input(0);
  if (in.shape.rank() == 0) return ctx.Error("cannot split a scalar");
  AOT_ASSIGN_OR_RETURN(int d, NormalizeDim(ctx, ctx.Int("dim"), in.shape.rank()));
  AOT_ASSIGN_OR_RETURN(int64_t size, Concrete(ctx, in.shape.dim(d)));
  int64_t piece = ctx.Int("split_size");
  if (piece <= 0) return ctx.Error(absl::StrCat("split_size must be positive, got ", piece));
  Metas out;
  for (int64_t start = 0; start < size || (size == 0 && out.empty()); start += piece) {
    Shape s = in.shape;
    s.dim(d) = Dim(std::min(piece, size - start));
    out.push_back(Meta(std::move(s), in.dtype, in.device));
    if (size == 0) break;
  }
  return out;
}

absl::StatusOr<Metas> Chunk(const ShapeContext& ctx) {
  const TensorMeta& in = ctx.input(0);
  if (in.shape.rank() == 0) return ctx.Error("cannot chunk a scalar");
  AOT_ASSIGN_OR_RETURN(int d, NormalizeDim(ctx, ctx.Int("dim"), in.shape.rank()));
  AOT_ASSIGN_OR_RETURN(int64_t size, Concrete(ctx, in.shape.dim(d)));
  int64_t chunks = ctx.Int("chunks");
  if (chunks <= 0) return ctx.Error(absl::StrCat("chunks must be positive, got ", chunks));
  // An empty dimension gives `chunks` empty pieces, as in PyTorch.
  if (size == 0) return Metas(chunks, Meta(in.shape, in.dtype, in.device));
  int64_t piece = (size + chunks - 1) / chunks;
  Metas out;
  for (int64_t start = 0; start < size; start += piece) {
    Shape s = in.shape;
    s.dim(d) = Dim(std::min(piece, size - start));
    out.push_back(Meta(std::move(s), in.dtype, in.device));
  }
  return out;
}

absl::StatusOr<Metas> Cat(const ShapeContext& ctx) {
  AOT_ASSIGN_OR_RETURN(Device device, CommonDevice(ctx));
  auto list = ctx.input_list(0);
  if (list.empty()) return ctx.Error("needs at least one tensor");
  const TensorMeta& first = *list[0];
  if (first.shape.rank() == 0) return ctx.Error("cannot concatenate scalars");
  AOT_ASSIGN_OR_RETURN(int d, NormalizeDim(ctx, ctx.Int("dim"), first.shape.rank()));
  Shape out = first.shape;
  DType dtype = first.dtype;
  int64_t total = 0;
  for (size_t i = 0; i < list.size(); ++i) {
    const TensorMeta& m = *list[i];
    if (m.shape.rank() != first.shape.rank()) {
      return ctx.Error(absl::StrCat("tensor ", i, " is ", m.ToString(), " but tensor 0 is ", first.ToString()));
    }
    for (int k = 0; k < m.shape.rank(); ++k) {
      if (k != d && m.shape.dim(k) != first.shape.dim(k)) {
        return ctx.Error(absl::StrCat("tensor ", i, " is ", m.ToString(), " but tensor 0 is ", first.ToString(),
                                      "; sizes must match except in dimension ", d));
      }
    }
    AOT_ASSIGN_OR_RETURN(int64_t n, Concrete(ctx, m.shape.dim(d)));
    total += n;
    dtype = PromoteTypes(dtype, m.dtype);
  }
  out.dim(d) = Dim(total);
  return Metas{Meta(std::move(out), dtype, device)};
}

absl::StatusOr<Metas> Stack(const ShapeContext& ctx) {
  AOT_ASSIGN_OR_RETURN(Device device, CommonDevice(ctx));
  auto list = ctx.input_list(0);
  if (list.empty()) return ctx.Error("needs at least one tensor");
  const TensorMeta& first = *list[0];
  AOT_ASSIGN_OR_RETURN(int d, NormalizeDim(ctx, ctx.Int("dim"), first.shape.rank() + 1));
  DType dtype = first.dtype;
  for (size_t i = 0; i < list.size(); ++i) {
    if (list[i]->shape != first.shape) {
      return ctx.Error(absl::StrCat("tensor ", i, " is ", list[i]->ToString(), " but tensor 0 is ",
                                    first.ToString(), "; stack needs equal shapes"));
    }
    dtype = PromoteTypes(dtype, list[i]->dtype);
  }
  Shape out = first.shape;
  out.insert(d, Dim(static_cast<int64_t>(list.size())));
  return Metas{Meta(std::move(out), dtype, device)};
}

absl::StatusOr<Metas> Triangular(const ShapeContext& ctx) {
  AOT_RETURN_IF_ERROR(RequireRank(ctx, 0, 2, 64));
  return SameAsInput(ctx);
}

absl::StatusOr<Metas> IndexSelect(const ShapeContext& ctx) {
  AOT_ASSIGN_OR_RETURN(Device device, CommonDevice(ctx));
  const TensorMeta& in = ctx.input(0);
  AOT_RETURN_IF_ERROR(RequireIntegral(ctx, 1));
  AOT_RETURN_IF_ERROR(RequireRank(ctx, 1, 0, 1));
  AOT_ASSIGN_OR_RETURN(int d, NormalizeDim(ctx, ctx.Int("dim"), in.shape.rank()));
  const TensorMeta& index = ctx.input(1);
  Shape out = in.shape;
  if (out.rank() > 0) out.dim(d) = index.shape.rank() == 0 ? Dim(1) : index.shape.dim(0);
  return Metas{Meta(std::move(out), in.dtype, device)};
}

absl::StatusOr<Metas> Gather(const ShapeContext& ctx) {
  AOT_ASSIGN_OR_RETURN(Device device, CommonDevice(ctx));
  const TensorMeta& in = ctx.input(0);
  const TensorMeta& index = ctx.input(1);
  AOT_RETURN_IF_ERROR(RequireIntegral(ctx, 1));
  AOT_ASSIGN_OR_RETURN(int d, NormalizeDim(ctx, ctx.Int("dim"), in.shape.rank()));
  if (index.shape.rank() != in.shape.rank()) {
    return ctx.Error(absl::StrCat("index ", index.ToString(), " must have the rank of self ", in.ToString()));
  }
  for (int k = 0; k < in.shape.rank(); ++k) {
    if (k == d) continue;
    auto a = index.shape.dim(k).concrete(), b = in.shape.dim(k).concrete();
    if (a && b && *a > *b) {
      return ctx.Error(absl::StrCat("index ", index.ToString(), " is larger than self ", in.ToString(),
                                    " in dimension ", k));
    }
  }
  return Metas{Meta(index.shape, in.dtype, device)};
}

absl::StatusOr<Metas> ScatterAdd(const ShapeContext& ctx) {
  AOT_ASSIGN_OR_RETURN(Device device, CommonDevice(ctx));
  const TensorMeta& self = ctx.input(0);
  const TensorMeta& index = ctx.input(1);
  const TensorMeta& src = ctx.input(2);
  AOT_RETURN_IF_ERROR(RequireIntegral(ctx, 1));
  AOT_ASSIGN_OR_RETURN(int d, NormalizeDim(ctx, ctx.Int("dim"), self.shape.rank()));
  (void)d;
  if (index.shape.rank() != self.shape.rank() || src.shape.rank() != self.shape.rank()) {
    return ctx.Error(absl::StrCat("self ", self.ToString(), ", index ", index.ToString(), " and src ",
                                  src.ToString(), " must have one rank"));
  }
  if (src.dtype != self.dtype) {
    return ctx.Error(absl::StrCat("src ", src.ToString(), " must have the dtype of self ", self.ToString()));
  }
  return Metas{Meta(self.shape, self.dtype, device)};
}

absl::StatusOr<Metas> IndexAdd(const ShapeContext& ctx) {
  AOT_ASSIGN_OR_RETURN(Device device, CommonDevice(ctx));
  const TensorMeta& self = ctx.input(0);
  const TensorMeta& index = ctx.input(1);
  const TensorMeta& source = ctx.input(2);
  AOT_RETURN_IF_ERROR(RequireIntegral(ctx, 1));
  AOT_RETURN_IF_ERROR(RequireRank(ctx, 1, 0, 1));
  AOT_ASSIGN_OR_RETURN(int d, NormalizeDim(ctx, ctx.Int("dim"), self.shape.rank()));
  Shape want = self.shape;
  if (want.rank() > 0) want.dim(d) = index.shape.rank() == 0 ? Dim(1) : index.shape.dim(0);
  if (source.shape != want && !(self.shape.rank() == 0 && source.shape.rank() == 0)) {
    return ctx.Error(absl::StrCat("source ", source.ToString(), " must have shape ", want.ToString()));
  }
  return Metas{Meta(self.shape, self.dtype, device)};
}

// --- Linear algebra -----------------------------------------------------------

absl::StatusOr<Metas> Matmul(const ShapeContext& ctx) {
  AOT_ASSIGN_OR_RETURN(Device device, CommonDevice(ctx));
  const TensorMeta& a = ctx.input(0);
  const TensorMeta& b = ctx.input(1);
  if (a.shape.rank() == 0 || b.shape.rank() == 0) {
    return ctx.Error(absl::StrCat("both arguments need at least one dimension, got ", a.ToString(), " and ",
                                  b.ToString()));
  }
  if (a.dtype != b.dtype) {
    return ctx.Error(absl::StrCat("expected one dtype, got ", a.ToString(), " and ", b.ToString()));
  }
  // Promote vectors to matrices, remember to drop the added dimension.
  Shape sa = a.shape, sb = b.shape;
  bool a_vec = sa.rank() == 1, b_vec = sb.rank() == 1;
  if (a_vec) sa.insert(0, Dim(1));
  if (b_vec) sb.push_back(Dim(1));
  const Dim& k1 = sa.dim(sa.rank() - 1);
  const Dim& k2 = sb.dim(sb.rank() - 2);
  if (k1 != k2) {
    return ctx.Error(absl::StrCat("cannot multiply ", a.ToString(), " by ", b.ToString(), ": inner dimensions ",
                                  k1.ToString(), " and ", k2.ToString(), " differ"));
  }
  Shape batch_a(DimVec(sa.dims().begin(), sa.dims().end() - 2));
  Shape batch_b(DimVec(sb.dims().begin(), sb.dims().end() - 2));
  absl::StatusOr<Shape> batch = BroadcastShapes(batch_a, batch_b);
  if (!batch.ok()) {
    return ctx.Error(absl::StrCat("batch dimensions of ", a.ToString(), " and ", b.ToString(),
                                  " do not broadcast: ", batch.status().message()));
  }
  Shape out = *batch;
  if (!a_vec) out.push_back(sa.dim(sa.rank() - 2));
  if (!b_vec) out.push_back(sb.dim(sb.rank() - 1));
  return Metas{Meta(std::move(out), a.dtype, device)};
}

absl::StatusOr<Metas> Mm(const ShapeContext& ctx) {
  AOT_RETURN_IF_ERROR(RequireRank(ctx, 0, 2, 2));
  AOT_RETURN_IF_ERROR(RequireRank(ctx, 1, 2, 2));
  return Matmul(ctx);
}

absl::StatusOr<Metas> Bmm(const ShapeContext& ctx) {
  AOT_RETURN_IF_ERROR(RequireRank(ctx, 0, 3, 3));
  AOT_RETURN_IF_ERROR(RequireRank(ctx, 1, 3, 3));
  if (ctx.input(0).shape.dim(0) != ctx.input(1).shape.dim(0)) {
    return ctx.Error(absl::StrCat("batch sizes differ: ", ctx.input(0).ToString(), " and ",
                                  ctx.input(1).ToString()));
  }
  return Matmul(ctx);
}

absl::StatusOr<Metas> Addmm(const ShapeContext& ctx) {
  AOT_ASSIGN_OR_RETURN(Device device, CommonDevice(ctx));
  const TensorMeta& self = ctx.input(0);
  const TensorMeta& m1 = ctx.input(1);
  const TensorMeta& m2 = ctx.input(2);
  if (m1.shape.rank() != 2 || m2.shape.rank() != 2 || m1.shape.dim(1) != m2.shape.dim(0)) {
    return ctx.Error(absl::StrCat("mat1 ", m1.ToString(), " and mat2 ", m2.ToString(),
                                  " must be matrices with matching inner dimension"));
  }
  Shape out{};
  out.push_back(m1.shape.dim(0));
  out.push_back(m2.shape.dim(1));
  absl::StatusOr<Shape> b = BroadcastShapes(self.shape, out);
  if (!b.ok() || *b != out) {
    return ctx.Error(absl::StrCat("self ", self.ToString(), " does not broadcast to ", out.ToString()));
  }
  if (self.dtype != m1.dtype || m1.dtype != m2.dtype) {
    return ctx.Error(absl::StrCat("expected one dtype, got ", self.ToString(), ", ", m1.ToString(), ", ",
                                  m2.ToString()));
  }
  return Metas{Meta(std::move(out), m1.dtype, device)};
}

absl::StatusOr<Metas> Linear(const ShapeContext& ctx) {
  AOT_ASSIGN_OR_RETURN(Device device, CommonDevice(ctx));
  const TensorMeta& in = ctx.input(0);
  const TensorMeta& w = ctx.input(1);
  AOT_RETURN_IF_ERROR(RequireRank(ctx, 1, 2, 2));
  AOT_RETURN_IF_ERROR(RequireRank(ctx, 0, 1, 64));
  if (in.shape.dim(in.shape.rank() - 1) != w.shape.dim(1)) {
    return ctx.Error(absl::StrCat("input ", in.ToString(), " has ", in.shape.dim(in.shape.rank() - 1).ToString(),
                                  " features but weight ", w.ToString(), " expects ", w.shape.dim(1).ToString()));
  }
  if (in.dtype != w.dtype) {
    return ctx.Error(absl::StrCat("input ", in.ToString(), " and weight ", w.ToString(), " differ in dtype"));
  }
  if (const TensorMeta* b = ctx.optional_input(2)) {
    if (b->shape.rank() != 1 || b->shape.dim(0) != w.shape.dim(0) || b->dtype != w.dtype) {
      return ctx.Error(absl::StrCat("bias ", b->ToString(), " must be ", DTypeName(w.dtype), "[",
                                    w.shape.dim(0).ToString(), "]"));
    }
  }
  Shape out = in.shape;
  out.dim(out.rank() - 1) = w.shape.dim(0);
  return Metas{Meta(std::move(out), in.dtype, device)};
}

// --- Neural-network ops -------------------------------------------------------

absl::StatusOr<Metas> Softmax(const ShapeContext& ctx) {
  AOT_RETURN_IF_ERROR(RequireFloat(ctx, 0));
  const TensorMeta& in = ctx.input(0);
  AOT_ASSIGN_OR_RETURN(int d, NormalizeDim(ctx, ctx.Int("dim"), in.shape.rank()));
  (void)d;
  return Metas{Meta(in.shape, in.dtype, in.device)};
}

absl::StatusOr<Metas> LayerNorm(const ShapeContext& ctx) {
  AOT_ASSIGN_OR_RETURN(Device device, CommonDevice(ctx));
  AOT_RETURN_IF_ERROR(RequireFloat(ctx, 0));
  const TensorMeta& in = ctx.input(0);
  const std::vector<int64_t>& norm = ctx.Ints("normalized_shape");
  int n = static_cast<int>(norm.size());
  if (n == 0 || n > in.shape.rank()) {
    return ctx.Error(absl::StrCat("normalized_shape [", absl::StrJoin(norm, ","), "] does not fit input ",
                                  in.ToString()));
  }
  for (int i = 0; i < n; ++i) {
    if (in.shape.dim(in.shape.rank() - n + i) != Dim(norm[i])) {
      return ctx.Error(absl::StrCat("input ", in.ToString(), " does not end in normalized_shape [",
                                    absl::StrJoin(norm, ","), "]"));
    }
  }
  for (int g : {1, 2}) {
    if (const TensorMeta* m = ctx.optional_input(g); m && m->shape != Shape(norm)) {
      return ctx.Error(absl::StrCat("'", ArgName(ctx, g), "' ", m->ToString(), " must have shape [",
                                    absl::StrJoin(norm, ","), "]"));
    }
  }
  Shape stat = in.shape;
  for (int i = 0; i < n; ++i) stat.dim(in.shape.rank() - n + i) = Dim(1);
  return Metas{Meta(in.shape, in.dtype, device), Meta(stat, in.dtype, device), Meta(stat, in.dtype, device)};
}

absl::StatusOr<Metas> BatchNorm(const ShapeContext& ctx) {
  AOT_ASSIGN_OR_RETURN(Device device, CommonDevice(ctx));
  AOT_RETURN_IF_ERROR(RequireFloat(ctx, 0));
  AOT_RETURN_IF_ERROR(RequireRank(ctx, 0, 2, 5));
  const TensorMeta& in = ctx.input(0);
  Shape c{};
  c.push_back(in.shape.dim(1));
  for (int g = 1; g <= 4; ++g) {
    if (const TensorMeta* m = ctx.optional_input(g); m && m->shape != c) {
      return ctx.Error(absl::StrCat("'", ArgName(ctx, g), "' ", m->ToString(), " must have shape ", c.ToString(),
                                    " (the channels of input ", in.ToString(), ")"));
    }
  }
  bool has_mean = ctx.optional_input(3) != nullptr, has_var = ctx.optional_input(4) != nullptr;
  if (has_mean != has_var) return ctx.Error("running_mean and running_var must be given together");
  if (!ctx.Bool("training") && !has_mean) return ctx.Error("inference (training=false) needs running statistics");
  TensorMeta stat = Meta(c, in.dtype, device);
  return Metas{Meta(in.shape, in.dtype, device), stat, stat, stat, stat};
}

absl::StatusOr<Metas> Conv2d(const ShapeContext& ctx) {
  AOT_ASSIGN_OR_RETURN(Device device, CommonDevice(ctx));
  AOT_RETURN_IF_ERROR(RequireFloat(ctx, 0));
  AOT_RETURN_IF_ERROR(RequireRank(ctx, 0, 4, 4));
  AOT_RETURN_IF_ERROR(RequireRank(ctx, 1, 4, 4));
  const TensorMeta& in = ctx.input(0);
  const TensorMeta& w = ctx.input(1);
  if (in.dtype != w.dtype) return ctx.Error(absl::StrCat("input ", in.ToString(), " and weight ", w.ToString(), " differ in dtype"));
  int64_t groups = ctx.Int("groups");
  AOT_ASSIGN_OR_RETURN(int64_t cin, Concrete(ctx, in.shape.dim(1)));
  AOT_ASSIGN_OR_RETURN(int64_t cout, Concrete(ctx, w.shape.dim(0)));
  AOT_ASSIGN_OR_RETURN(int64_t wcin, Concrete(ctx, w.shape.dim(1)));
  if (groups <= 0 || cin % groups != 0 || cout % groups != 0 || wcin * groups != cin) {
    return ctx.Error(absl::StrCat("input ", in.ToString(), " has ", cin, " channels; weight ", w.ToString(),
                                  " with groups=", groups, " expects ", wcin * groups));
  }
  if (const TensorMeta* b = ctx.optional_input(2); b && (b->shape != Shape{cout})) {
    return ctx.Error(absl::StrCat("bias ", b->ToString(), " must have shape [", cout, "]"));
  }
  AOT_ASSIGN_OR_RETURN(auto stride, Pair(ctx, "stride", {1, 1}));
  AOT_ASSIGN_OR_RETURN(auto pad, Pair(ctx, "padding", {0, 0}));
  AOT_ASSIGN_OR_RETURN(auto dil, Pair(ctx, "dilation", {1, 1}));
  if (stride.first <= 0 || stride.second <= 0 || dil.first <= 0 || dil.second <= 0 || pad.first < 0 || pad.second < 0) {
    return ctx.Error("stride and dilation must be positive, padding non-negative");
  }
  AOT_ASSIGN_OR_RETURN(int64_t h, Concrete(ctx, in.shape.dim(2)));
  AOT_ASSIGN_OR_RETURN(int64_t wd, Concrete(ctx, in.shape.dim(3)));
  AOT_ASSIGN_OR_RETURN(int64_t kh, Concrete(ctx, w.shape.dim(2)));
  AOT_ASSIGN_OR_RETURN(int64_t kw, Concrete(ctx, w.shape.dim(3)));
  int64_t oh = PoolOutputSize(h, kh, stride.first, pad.first, dil.first, false);
  int64_t ow = PoolOutputSize(wd, kw, stride.second, pad.second, dil.second, false);
  if (oh <= 0 || ow <= 0) {
    return ctx.Error(absl::StrCat("kernel ", w.ToString(), " is larger than the padded input ", in.ToString()));
  }
  Shape out{};
  out.push_back(in.shape.dim(0));
  out.push_back(Dim(cout));
  out.push_back(Dim(oh));
  out.push_back(Dim(ow));
  return Metas{Meta(std::move(out), in.dtype, device)};
}

static absl::StatusOr<Shape> PoolShape(const ShapeContext& ctx, bool dilation) {
  AOT_RETURN_IF_ERROR(RequireRank(ctx, 0, 3, 4));
  const TensorMeta& in = ctx.input(0);
  AOT_ASSIGN_OR_RETURN(auto k, Pair(ctx, "kernel_size", {0, 0}));
  if (k.first <= 0 || k.second <= 0) return ctx.Error("kernel_size must be positive");
  AOT_ASSIGN_OR_RETURN(auto s, Pair(ctx, "stride", k));
  AOT_ASSIGN_OR_RETURN(auto p, Pair(ctx, "padding", {0, 0}));
  std::pair<int64_t, int64_t> d{1, 1};
  if (dilation) {
    AOT_ASSIGN_OR_RETURN(d, Pair(ctx, "dilation", {1, 1}));
  }
  if (s.first <= 0 || s.second <= 0 || d.first <= 0 || d.second <= 0) return ctx.Error("stride and dilation must be positive");
  if (p.first < 0 || p.second < 0 || 2 * p.first > k.first || 2 * p.second > k.second) {
    return ctx.Error("padding must be non-negative and at most half the kernel size");
  }
  int r = in.shape.rank();
  AOT_ASSIGN_OR_RETURN(int64_t h, Concrete(ctx, in.shape.dim(r - 2)));
  AOT_ASSIGN_OR_RETURN(int64_t w, Concrete(ctx, in.shape.dim(r - 1)));
  bool ceil_mode = ctx.Bool("ceil_mode");
  int64_t oh = PoolOutputSize(h, k.first, s.first, p.first, d.first, ceil_mode);
  int64_t ow = PoolOutputSize(w, k.second, s.second, p.second, d.second, ceil_mode);
  if (oh <= 0 || ow <= 0) return ctx.Error(absl::StrCat("input ", in.ToString(), " is smaller than the kernel"));
  Shape out = in.shape;
  out.dim(r - 2) = Dim(oh);
  out.dim(r - 1) = Dim(ow);
  return out;
}

absl::StatusOr<Metas> MaxPool2dWithIndices(const ShapeContext& ctx) {
  AOT_ASSIGN_OR_RETURN(Shape s, PoolShape(ctx, /*dilation=*/true));
  const TensorMeta& in = ctx.input(0);
  return Metas{Meta(s, in.dtype, in.device), Meta(s, DType::kInt64, in.device)};
}

absl::StatusOr<Metas> AvgPool2d(const ShapeContext& ctx) {
  AOT_RETURN_IF_ERROR(RequireFloat(ctx, 0));
  AOT_ASSIGN_OR_RETURN(Shape s, PoolShape(ctx, /*dilation=*/false));
  const AttrValue& div = ctx.attr("divisor_override");
  if (!div.is_none() && div.i() <= 0) return ctx.Error("divisor_override must be positive");
  const TensorMeta& in = ctx.input(0);
  return Metas{Meta(std::move(s), in.dtype, in.device)};
}

absl::StatusOr<Metas> AdaptiveAvgPool2d(const ShapeContext& ctx) {
  AOT_RETURN_IF_ERROR(RequireFloat(ctx, 0));
  AOT_RETURN_IF_ERROR(RequireRank(ctx, 0, 3, 4));
  const TensorMeta& in = ctx.input(0);
  AOT_ASSIGN_OR_RETURN(auto o, Pair(ctx, "output_size", {0, 0}));
  if (o.first <= 0 || o.second <= 0) return ctx.Error("output_size must be positive");
  Shape out = in.shape;
  out.dim(out.rank() - 2) = Dim(o.first);
  out.dim(out.rank() - 1) = Dim(o.second);
  return Metas{Meta(std::move(out), in.dtype, in.device)};
}

absl::StatusOr<Metas> Embedding(const ShapeContext& ctx) {
  AOT_ASSIGN_OR_RETURN(Device device, CommonDevice(ctx));
  AOT_RETURN_IF_ERROR(RequireRank(ctx, 0, 2, 2));
  AOT_RETURN_IF_ERROR(RequireIntegral(ctx, 1));
  const TensorMeta& w = ctx.input(0);
  Shape out = ctx.input(1).shape;
  out.push_back(w.shape.dim(1));
  return Metas{Meta(std::move(out), w.dtype, device)};
}

absl::StatusOr<Metas> Dropout(const ShapeContext& ctx) {
  AOT_RETURN_IF_ERROR(RequireFloat(ctx, 0));
  double p = ctx.Float("p");
  if (!(p >= 0 && p <= 1)) return ctx.Error(absl::StrCat("p must be in [0, 1], got ", p));
  if (const TensorMeta* seed = ctx.optional_input(1);
      seed && (seed->dtype != DType::kInt64 || seed->shape != Shape{2})) {
    return ctx.Error(absl::StrCat("seed must be i64[2] (seed, offset), got ", seed->ToString()));
  }
  const TensorMeta& in = ctx.input(0);
  return Metas{Meta(in.shape, in.dtype, in.device), Meta(in.shape, DType::kBool, in.device)};
}

absl::StatusOr<Metas> NllLoss(const ShapeContext& ctx) {
  AOT_ASSIGN_OR_RETURN(Device device, CommonDevice(ctx));
  AOT_RETURN_IF_ERROR(RequireFloat(ctx, 0));
  AOT_RETURN_IF_ERROR(RequireIntegral(ctx, 1));
  AOT_RETURN_IF_ERROR(RequireRank(ctx, 0, 1, 2));
  const TensorMeta& in = ctx.input(0);
  const TensorMeta& target = ctx.input(1);
  Shape batch;
  if (in.shape.rank() == 2) batch.push_back(in.shape.dim(0));
  if (target.shape != batch) {
    return ctx.Error(absl::StrCat("target ", target.ToString(), " must have shape ", batch.ToString(),
                                  " for input ", in.ToString()));
  }
  Shape c{};
  c.push_back(in.shape.dim(in.shape.rank() - 1));
  if (const TensorMeta* w = ctx.optional_input(2); w && w->shape != c) {
    return ctx.Error(absl::StrCat("weight ", w->ToString(), " must have shape ", c.ToString()));
  }
  int64_t reduction = ctx.Int("reduction");
  if (reduction < 0 || reduction > 2) {
    return ctx.Error(absl::StrCat("reduction must be 0 (none), 1 (mean) or 2 (sum), got ", reduction));
  }
  return Metas{Meta(reduction == 0 ? batch : Shape{}, in.dtype, device)};
}

absl::StatusOr<Metas> MseLoss(const ShapeContext& ctx) {
  AOT_ASSIGN_OR_RETURN(Device device, CommonDevice(ctx));
  AOT_RETURN_IF_ERROR(RequireFloat(ctx, 0));
  const TensorMeta& in = ctx.input(0);
  const TensorMeta& target = ctx.input(1);
  if (in.shape != target.shape) {
    return ctx.Error(absl::StrCat("self ", in.ToString(), " and target ", target.ToString(), " differ in shape"));
  }
  int64_t reduction = ctx.Int("reduction");
  if (reduction < 0 || reduction > 2) {
    return ctx.Error(absl::StrCat("reduction must be 0 (none), 1 (mean) or 2 (sum), got ", reduction));
  }
  return Metas{Meta(reduction == 0 ? in.shape : Shape{}, PromoteTypes(in.dtype, target.dtype), device)};
}

// --- Creation -----------------------------------------------------------------

static absl::StatusOr<Shape> SizeAttr(const ShapeContext& ctx) {
  const std::vector<int64_t>& size = ctx.Ints("size");
  for (int64_t s : size) {
    if (s < 0) return ctx.Error(absl::StrCat("negative size in [", absl::StrJoin(size, ","), "]"));
  }
  return Shape(size);
}

absl::StatusOr<Metas> Creation(const ShapeContext& ctx) {
  AOT_ASSIGN_OR_RETURN(Shape s, SizeAttr(ctx));
  DType dtype = ctx.attr("dtype").dtype();
  if (ctx.op().is_random()) {
    if (!IsFloating(dtype)) return ctx.Error(absl::StrCat("random values need a floating dtype, got ", DTypeName(dtype)));
    if (ctx.num_groups() > 0) {
      if (const TensorMeta* seed = ctx.optional_input(0);
          seed && (seed->dtype != DType::kInt64 || seed->shape != Shape{2})) {
        return ctx.Error(absl::StrCat("seed must be i64[2] (seed, offset), got ", seed->ToString()));
      }
    }
  }
  return Metas{Meta(std::move(s), dtype, ctx.attr("device").device())};
}

absl::StatusOr<Metas> Full(const ShapeContext& ctx) {
  AOT_ASSIGN_OR_RETURN(Shape s, SizeAttr(ctx));
  const AttrValue& fill = ctx.attr("fill_value");
  DType inferred = fill.is_bool() ? DType::kBool : fill.is_int() ? DType::kInt64 : DType::kFloat32;
  return Metas{Meta(std::move(s), ctx.OptionalDType("dtype").value_or(inferred), ctx.attr("device").device())};
}

absl::StatusOr<Metas> Arange(const ShapeContext& ctx) {
  const AttrValue& start = ctx.attr("start");
  const AttrValue& end = ctx.attr("end");
  const AttrValue& step = ctx.attr("step");
  double st = step.scalar();
  if (st == 0) return ctx.Error("step must be nonzero");
  double n = std::ceil((end.scalar() - start.scalar()) / st);
  if ((st > 0 && end.scalar() < start.scalar()) || (st < 0 && end.scalar() > start.scalar())) return ctx.Error(absl::StrCat("range [", start.ToString(), ", ", end.ToString(), ") with step ",
                                           step.ToString(), " is empty in the wrong direction"));
  bool all_int = !start.is_float() && !end.is_float() && !step.is_float();
  DType dtype = ctx.OptionalDType("dtype").value_or(all_int ? DType::kInt64 : DType::kFloat32);
  return Metas{Meta(Shape{static_cast<int64_t>(n)}, dtype, ctx.attr("device").device())};
}

absl::StatusOr<Metas> Constant(const ShapeContext& ctx) {
  const std::vector<int64_t>& shape = ctx.Ints("shape");
  int64_t n = 1;
  for (int64_t s : shape) {
    if (s < 0) return ctx.Error(absl::StrCat("negative size in shape [", absl::StrJoin(shape, ","), "]"));
    n *= s;
  }
  const size_t values = ctx.attr("values").floats().size();
  if (static_cast<size_t>(n) != values) {
    return ctx.Error(absl::StrCat(values, " values do not fill shape [", absl::StrJoin(shape, ","), "] (", n,
                                  " elements)"));
  }
  return Metas{Meta(Shape(shape), ctx.attr("dtype").dtype(), ctx.attr("device").device())};
}

absl::StatusOr<Metas> Like(const ShapeContext& ctx) {
  const TensorMeta& in = ctx.input(0);
  return Metas{Meta(in.shape, ctx.OptionalDType("dtype").value_or(in.dtype), in.device)};
}

absl::StatusOr<Metas> ToCopy(const ShapeContext& ctx) {
  const TensorMeta& in = ctx.input(0);
  DType dtype = ctx.OptionalDType("dtype").value_or(in.dtype);
  const AttrValue& device = ctx.attr("device");
  return Metas{Meta(in.shape, dtype, device.is_none() ? in.device : device.device())};
}

absl::StatusOr<Metas> Copy(const ShapeContext& ctx) {
  const TensorMeta& self = ctx.input(0);
  const TensorMeta& src = ctx.input(1);
  absl::StatusOr<Shape> s = BroadcastShapes(self.shape, src.shape);
  if (!s.ok() || *s != self.shape) {
    return ctx.Error(absl::StrCat("src ", src.ToString(), " does not broadcast to self ", self.ToString()));
  }
  return Metas{Meta(self.shape, self.dtype, self.device)};
}

// --- Backward ops ---------------------------------------------------------------

absl::StatusOr<Metas> LayerNormBackward(const ShapeContext& ctx) {
  AOT_ASSIGN_OR_RETURN(Device device, CommonDevice(ctx));
  const TensorMeta& g = ctx.input(0);
  const TensorMeta& in = ctx.input(1);
  if (g.shape != in.shape) {
    return ctx.Error(absl::StrCat("grad_out ", g.ToString(), " and input ", in.ToString(), " differ in shape"));
  }
  Shape norm(ctx.Ints("normalized_shape"));
  return Metas{Meta(in.shape, in.dtype, device), Meta(norm, in.dtype, device), Meta(norm, in.dtype, device)};
}

absl::StatusOr<Metas> BatchNormBackward(const ShapeContext& ctx) {
  AOT_ASSIGN_OR_RETURN(Device device, CommonDevice(ctx));
  AOT_RETURN_IF_ERROR(RequireRank(ctx, 1, 2, 5));
  const TensorMeta& g = ctx.input(0);
  const TensorMeta& in = ctx.input(1);
  if (g.shape != in.shape) {
    return ctx.Error(absl::StrCat("grad_out ", g.ToString(), " and input ", in.ToString(), " differ in shape"));
  }
  Shape c{};
  c.push_back(in.shape.dim(1));
  return Metas{Meta(in.shape, in.dtype, device), Meta(c, in.dtype, device), Meta(c, in.dtype, device)};
}

absl::StatusOr<Metas> Conv2dBackwardInput(const ShapeContext& ctx) {
  AOT_ASSIGN_OR_RETURN(Device device, CommonDevice(ctx));
  const std::vector<int64_t>& size = ctx.Ints("input_size");
  if (size.size() != 4) return ctx.Error(absl::StrCat("input_size must have 4 elements, got [", absl::StrJoin(size, ","), "]"));
  return Metas{Meta(Shape(size), ctx.input(0).dtype, device)};
}

absl::StatusOr<Metas> Conv2dBackwardWeight(const ShapeContext& ctx) {
  AOT_ASSIGN_OR_RETURN(Device device, CommonDevice(ctx));
  const std::vector<int64_t>& size = ctx.Ints("weight_size");
  if (size.size() != 4) return ctx.Error(absl::StrCat("weight_size must have 4 elements, got [", absl::StrJoin(size, ","), "]"));
  return Metas{Meta(Shape(size), ctx.input(0).dtype, device)};
}

absl::StatusOr<Metas> PoolBackward(const ShapeContext& ctx) {
  AOT_ASSIGN_OR_RETURN(Device device, CommonDevice(ctx));
  const TensorMeta& self = ctx.input(1);
  return Metas{Meta(self.shape, ctx.input(0).dtype, device)};
}

absl::StatusOr<Metas> EmbeddingBackward(const ShapeContext& ctx) {
  AOT_ASSIGN_OR_RETURN(Device device, CommonDevice(ctx));
  AOT_RETURN_IF_ERROR(RequireIntegral(ctx, 1));
  const TensorMeta& g = ctx.input(0);
  int64_t n = ctx.Int("num_weights");
  if (n < 0) return ctx.Error("num_weights must be non-negative");
  if (g.shape.rank() != ctx.input(1).shape.rank() + 1) {
    return ctx.Error(absl::StrCat("grad_output ", g.ToString(), " must be indices ", ctx.input(1).ToString(),
                                  " plus one embedding dimension"));
  }
  Shape out{n};
  out.push_back(g.shape.dim(g.shape.rank() - 1));
  return Metas{Meta(std::move(out), g.dtype, device)};
}

absl::StatusOr<Metas> LossBackward(const ShapeContext& ctx) {
  AOT_ASSIGN_OR_RETURN(Device device, CommonDevice(ctx));
  const TensorMeta& self = ctx.input(1);
  return Metas{Meta(self.shape, self.dtype, device)};
}

absl::StatusOr<Metas> SizedBackward(const ShapeContext& ctx) {
  const std::vector<int64_t>& size = ctx.Ints("input_sizes");
  for (int64_t s : size) {
    if (s < 0) return ctx.Error(absl::StrCat("negative size in input_sizes [", absl::StrJoin(size, ","), "]"));
  }
  const TensorMeta& g = ctx.input(0);
  return Metas{Meta(Shape(size), g.dtype, g.device)};
}

}  // namespace aot::ir::rules
