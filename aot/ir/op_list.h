// The op set, declared once: X(Name, "schema", flags, ShapeRule).
//
// Name becomes OpKind::kName; the schema is PyTorch-style text (op_schema.h);
// flags are OpFlag bits (op.h; kView and kInplace are also derived from the
// schema's alias annotations); ShapeRule names a function in shape_rules.h.
// Scalars that PyTorch passes as numbers are attributes here (`mul.Scalar`).
// Random ops take an optional `seed` operand (an i64[2] tensor holding seed
// and offset); with it they are deterministic and may be recomputed.
//
// Appending an op is all it takes to add it to the IR; every per-op table
// elsewhere (kernels, derivatives, decompositions) is static_asserted
// against kNumOps and must then say what it does for the new op.
#ifndef AOT_IR_OP_LIST_H_
#define AOT_IR_OP_LIST_H_

// clang-format off
#define AOT_FOR_EACH_OP(X) \
  /* Elementwise unary. */ \
  X(Neg, "neg(Tensor self) -> Tensor", kElementwise, SameAsInput) \
  X(Abs, "abs(Tensor self) -> Tensor", kElementwise, SameAsInput) \
  X(Exp, "exp(Tensor self) -> Tensor", kElementwise, FloatUnary) \
  X(Log, "log(Tensor self) -> Tensor", kElementwise, FloatUnary) \
  X(Log1p, "log1p(Tensor self) -> Tensor", kElementwise, FloatUnary) \
  X(Expm1, "expm1(Tensor self) -> Tensor", kElementwise, FloatUnary) \
  X(Sqrt, "sqrt(Tensor self) -> Tensor", kElementwise, FloatUnary) \
  X(Rsqrt, "rsqrt(Tensor self) -> Tensor", kElementwise, FloatUnary) \
  X(Reciprocal, "reciprocal(Tensor self) -> Tensor", kElementwise, FloatUnary) \
  X(Sin, "sin(Tensor self) -> Tensor", kElementwise, FloatUnary) \
  X(Cos, "cos(Tensor self) -> Tensor", kElementwise, FloatUnary) \
  X(Tanh, "tanh(Tensor self) -> Tensor", kElementwise, FloatUnary) \
  X(Sigmoid, "sigmoid(Tensor self) -> Tensor", kElementwise, FloatUnary) \
  X(Relu, "relu(Tensor self) -> Tensor", kElementwise, SameAsInput) \
  X(Erf, "erf(Tensor self) -> Tensor", kElementwise, FloatUnary) \
  X(Sign, "sign(Tensor self) -> Tensor", kElementwise | kNonDifferentiable, SameAsInput) \
  X(Gelu, "gelu(Tensor self, *, str approximate=\"none\") -> Tensor", kElementwise, FloatUnary) \
  X(Silu, "silu(Tensor self) -> Tensor", kElementwise, FloatUnary) \
  X(Clamp, "clamp(Tensor self, Scalar? min=None, Scalar? max=None) -> Tensor", kElementwise, SameAsInput) \
  X(Detach, "detach(Tensor self) -> Tensor", kElementwise | kNonDifferentiable | kShapeOnly, SameAsInput) \
  /* Elementwise binary, broadcasting; `.Scalar` takes the number as an attribute. */ \
  X(Add, "add(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor", kElementwise, BinaryPromote) \
  X(AddScalar, "add.Scalar(Tensor self, Scalar other, Scalar alpha=1) -> Tensor", kElementwise, ScalarPromote) \
  X(Sub, "sub(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor", kElementwise, BinaryPromote) \
  X(SubScalar, "sub.Scalar(Tensor self, Scalar other, Scalar alpha=1) -> Tensor", kElementwise, ScalarPromote) \
  X(RsubScalar, "rsub.Scalar(Tensor self, Scalar other, Scalar alpha=1) -> Tensor", kElementwise, ScalarPromote) \
  X(Mul, "mul(Tensor self, Tensor other) -> Tensor", kElementwise, BinaryPromote) \
  X(MulScalar, "mul.Scalar(Tensor self, Scalar other) -> Tensor", kElementwise, ScalarPromote) \
  X(Div, "div(Tensor self, Tensor other) -> Tensor", kElementwise, BinaryFloat) \
  X(DivScalar, "div.Scalar(Tensor self, Scalar other) -> Tensor", kElementwise, ScalarFloat) \
  X(Pow, "pow(Tensor self, Tensor exponent) -> Tensor", kElementwise, BinaryPromote) \
  X(PowScalar, "pow.Scalar(Tensor self, Scalar exponent) -> Tensor", kElementwise, ScalarPromote) \
  X(Maximum, "maximum(Tensor self, Tensor other) -> Tensor", kElementwise, BinaryPromote) \
  X(Minimum, "minimum(Tensor self, Tensor other) -> Tensor", kElementwise, BinaryPromote) \
  X(Eq, "eq(Tensor self, Tensor other) -> Tensor", kElementwise | kNonDifferentiable, BinaryCompare) \
  X(Ne, "ne(Tensor self, Tensor other) -> Tensor", kElementwise | kNonDifferentiable, BinaryCompare) \
  X(Lt, "lt(Tensor self, Tensor other) -> Tensor", kElementwise | kNonDifferentiable, BinaryCompare) \
  X(Le, "le(Tensor self, Tensor other) -> Tensor", kElementwise | kNonDifferentiable, BinaryCompare) \
  X(Gt, "gt(Tensor self, Tensor other) -> Tensor", kElementwise | kNonDifferentiable, BinaryCompare) \
  X(Ge, "ge(Tensor self, Tensor other) -> Tensor", kElementwise | kNonDifferentiable, BinaryCompare) \
  X(EqScalar, "eq.Scalar(Tensor self, Scalar other) -> Tensor", kElementwise | kNonDifferentiable, ScalarCompare) \
  X(NeScalar, "ne.Scalar(Tensor self, Scalar other) -> Tensor", kElementwise | kNonDifferentiable, ScalarCompare) \
  X(LtScalar, "lt.Scalar(Tensor self, Scalar other) -> Tensor", kElementwise | kNonDifferentiable, ScalarCompare) \
  X(LeScalar, "le.Scalar(Tensor self, Scalar other) -> Tensor", kElementwise | kNonDifferentiable, ScalarCompare) \
  X(GtScalar, "gt.Scalar(Tensor self, Scalar other) -> Tensor", kElementwise | kNonDifferentiable, ScalarCompare) \
  X(GeScalar, "ge.Scalar(Tensor self, Scalar other) -> Tensor", kElementwise | kNonDifferentiable, ScalarCompare) \
  X(Where, "where(Tensor condition, Tensor self, Tensor other) -> Tensor", kElementwise, Where) \
  X(MaskedFill, "masked_fill(Tensor self, Tensor mask, Scalar value) -> Tensor", kElementwise, MaskedFill) \
  /* Reductions. An absent or empty `dim` reduces every dimension. */ \
  X(Sum, "sum(Tensor self, int[]? dim=None, bool keepdim=false, *, ScalarType? dtype=None) -> Tensor", kReduction, Sum) \
  X(Mean, "mean(Tensor self, int[]? dim=None, bool keepdim=false, *, ScalarType? dtype=None) -> Tensor", kReduction, Mean) \
  X(Amax, "amax(Tensor self, int[] dim=[], bool keepdim=false) -> Tensor", kReduction, ReduceSameDType) \
  X(Amin, "amin(Tensor self, int[] dim=[], bool keepdim=false) -> Tensor", kReduction, ReduceSameDType) \
  X(Argmax, "argmax(Tensor self, int? dim=None, bool keepdim=false) -> Tensor", kReduction | kNonDifferentiable, Argmax) \
  X(Var, "var(Tensor self, int[]? dim=None, *, int correction=1, bool keepdim=false) -> Tensor", kReduction, ReduceFloat) \
  X(Std, "std(Tensor self, int[]? dim=None, *, int correction=1, bool keepdim=false) -> Tensor", kReduction, ReduceFloat) \
  X(VarMean, "var_mean(Tensor self, int[]? dim=None, *, int correction=1, bool keepdim=false) -> (Tensor var, Tensor mean)", kReduction, VarMean) \
  X(Logsumexp, "logsumexp(Tensor self, int[] dim, bool keepdim=false) -> Tensor", kReduction, ReduceFloat) \
  /* Shapes and views. Views alias their input (`Tensor(a)`); functionalized graphs use the copying forms. */ \
  X(Reshape, "reshape(Tensor self, int[] shape) -> Tensor", kShapeOnly, Reshape) \
  X(View, "view(Tensor(a) self, int[] size) -> Tensor(a)", kShapeOnly, Reshape) \
  X(Permute, "permute(Tensor(a) self, int[] dims) -> Tensor(a)", kShapeOnly, Permute) \
  X(Transpose, "transpose(Tensor(a) self, int dim0, int dim1) -> Tensor(a)", kShapeOnly, Transpose) \
  X(Expand, "expand(Tensor(a) self, int[] size) -> Tensor(a)", kShapeOnly, Expand) \
  X(Squeeze, "squeeze(Tensor(a) self, int[]? dim=None) -> Tensor(a)", kShapeOnly, Squeeze) \
  X(Unsqueeze, "unsqueeze(Tensor(a) self, int dim) -> Tensor(a)", kShapeOnly, Unsqueeze) \
  X(Slice, "slice(Tensor(a) self, int dim=0, int? start=None, int? end=None, int step=1) -> Tensor(a)", kShapeOnly, Slice) \
  X(Select, "select(Tensor(a) self, int dim, int index) -> Tensor(a)", kShapeOnly, Select) \
  X(Split, "split(Tensor(a) self, int split_size, int dim=0) -> Tensor(a)[]", kShapeOnly, Split) \
  X(Chunk, "chunk(Tensor(a) self, int chunks, int dim=0) -> Tensor(a)[]", kShapeOnly, Chunk) \
  X(Cat, "cat(Tensor[] tensors, int dim=0) -> Tensor", kShapeOnly, Cat) \
  X(Stack, "stack(Tensor[] tensors, int dim=0) -> Tensor", kShapeOnly, Stack) \
  X(Triu, "triu(Tensor self, int diagonal=0) -> Tensor", kNoFlags, Triangular) \
  X(Tril, "tril(Tensor self, int diagonal=0) -> Tensor", kNoFlags, Triangular) \
  X(IndexSelect, "index_select(Tensor self, int dim, Tensor index) -> Tensor", kNoFlags, IndexSelect) \
  X(Gather, "gather(Tensor self, int dim, Tensor index) -> Tensor", kNoFlags, Gather) \
  X(ScatterAdd, "scatter_add(Tensor self, int dim, Tensor index, Tensor src) -> Tensor", kNoFlags, ScatterAdd) \
  X(IndexAdd, "index_add(Tensor self, int dim, Tensor index, Tensor source, *, Scalar alpha=1) -> Tensor", kNoFlags, IndexAdd) \
  /* Linear algebra. */ \
  X(Matmul, "matmul(Tensor self, Tensor other) -> Tensor", kComputeIntensive, Matmul) \
  X(Mm, "mm(Tensor self, Tensor mat2) -> Tensor", kComputeIntensive, Mm) \
  X(Bmm, "bmm(Tensor self, Tensor mat2) -> Tensor", kComputeIntensive, Bmm) \
  X(Addmm, "addmm(Tensor self, Tensor mat1, Tensor mat2, *, Scalar beta=1, Scalar alpha=1) -> Tensor", kComputeIntensive, Addmm) \
  X(Linear, "linear(Tensor input, Tensor weight, Tensor? bias=None) -> Tensor", kComputeIntensive, Linear) \
  /* Neural-network ops. */ \
  X(Softmax, "softmax(Tensor self, int dim) -> Tensor", kNoFlags, Softmax) \
  X(LogSoftmax, "log_softmax(Tensor self, int dim) -> Tensor", kNoFlags, Softmax) \
  X(LayerNorm, "layer_norm(Tensor input, int[] normalized_shape, Tensor? weight=None, Tensor? bias=None, float eps=1e-05) -> (Tensor output, Tensor mean, Tensor rstd)", kNoFlags, LayerNorm) \
  X(BatchNorm, "batch_norm(Tensor input, Tensor? weight, Tensor? bias, Tensor? running_mean, Tensor? running_var, bool training, float momentum=0.1, float eps=1e-05) -> (Tensor output, Tensor save_mean, Tensor save_invstd, Tensor new_running_mean, Tensor new_running_var)", kNoFlags, BatchNorm) \
  X(Conv2d, "conv2d(Tensor input, Tensor weight, Tensor? bias=None, int[] stride=[1,1], int[] padding=[0,0], int[] dilation=[1,1], int groups=1) -> Tensor", kComputeIntensive, Conv2d) \
  X(MaxPool2dWithIndices, "max_pool2d_with_indices(Tensor self, int[] kernel_size, int[] stride=[], int[] padding=[0,0], int[] dilation=[1,1], bool ceil_mode=false) -> (Tensor output, Tensor indices)", kNoFlags, MaxPool2dWithIndices) \
  X(AvgPool2d, "avg_pool2d(Tensor self, int[] kernel_size, int[] stride=[], int[] padding=[0,0], bool ceil_mode=false, bool count_include_pad=true, int? divisor_override=None) -> Tensor", kNoFlags, AvgPool2d) \
  X(AdaptiveAvgPool2d, "adaptive_avg_pool2d(Tensor self, int[] output_size) -> Tensor", kNoFlags, AdaptiveAvgPool2d) \
  X(Embedding, "embedding(Tensor weight, Tensor indices, int padding_idx=-1) -> Tensor", kNoFlags, Embedding) \
  X(Dropout, "dropout(Tensor input, Tensor? seed=None, *, float p=0.5, bool train=true) -> (Tensor output, Tensor mask)", kRandom, Dropout) \
  X(NllLoss, "nll_loss(Tensor self, Tensor target, Tensor? weight=None, int reduction=1, int ignore_index=-100) -> Tensor", kNoFlags, NllLoss) \
  X(CrossEntropy, "cross_entropy(Tensor self, Tensor target, Tensor? weight=None, int reduction=1, int ignore_index=-100, float label_smoothing=0.0) -> Tensor", kNoFlags, NllLoss) \
  X(MseLoss, "mse_loss(Tensor self, Tensor target, int reduction=1) -> Tensor", kNoFlags, MseLoss) \
  /* Creation and conversion. */ \
  X(Full, "full(int[] size, Scalar fill_value, *, ScalarType? dtype=None, Device device=cpu) -> Tensor", kCreation, Full) \
  X(Zeros, "zeros(int[] size, *, ScalarType dtype=f32, Device device=cpu) -> Tensor", kCreation, Creation) \
  X(Ones, "ones(int[] size, *, ScalarType dtype=f32, Device device=cpu) -> Tensor", kCreation, Creation) \
  X(Arange, "arange(Scalar start, Scalar end, Scalar step=1, *, ScalarType? dtype=None, Device device=cpu) -> Tensor", kCreation, Arange) \
  X(Constant, "constant(*, float[] values, int[] shape, ScalarType dtype=f32, Device device=cpu) -> Tensor", kCreation, Constant) \
  X(Rand, "rand(int[] size, Tensor? seed=None, *, ScalarType dtype=f32, Device device=cpu) -> Tensor", kCreation | kRandom, Creation) \
  X(Randn, "randn(int[] size, Tensor? seed=None, *, ScalarType dtype=f32, Device device=cpu) -> Tensor", kCreation | kRandom, Creation) \
  X(ZerosLike, "zeros_like(Tensor self, *, ScalarType? dtype=None) -> Tensor", kCreation | kNonDifferentiable, Like) \
  X(OnesLike, "ones_like(Tensor self, *, ScalarType? dtype=None) -> Tensor", kCreation | kNonDifferentiable, Like) \
  X(FullLike, "full_like(Tensor self, Scalar fill_value, *, ScalarType? dtype=None) -> Tensor", kCreation | kNonDifferentiable, Like) \
  X(ToCopy, "to_copy(Tensor self, *, ScalarType? dtype=None, Device? device=None) -> Tensor", kElementwise, ToCopy) \
  X(Clone, "clone(Tensor self) -> Tensor", kElementwise | kShapeOnly, SameAsInput) \
  X(Copy, "copy(Tensor self, Tensor src) -> Tensor", kElementwise | kShapeOnly, Copy) \
  /* In-place forms: write `self` and return it. */ \
  X(Add_, "add_(Tensor(a!) self, Tensor other, *, Scalar alpha=1) -> Tensor(a!)", kElementwise, InplaceBinary) \
  X(AddScalar_, "add_.Scalar(Tensor(a!) self, Scalar other, Scalar alpha=1) -> Tensor(a!)", kElementwise, InplaceScalar) \
  X(Sub_, "sub_(Tensor(a!) self, Tensor other, *, Scalar alpha=1) -> Tensor(a!)", kElementwise, InplaceBinary) \
  X(SubScalar_, "sub_.Scalar(Tensor(a!) self, Scalar other, Scalar alpha=1) -> Tensor(a!)", kElementwise, InplaceScalar) \
  X(Mul_, "mul_(Tensor(a!) self, Tensor other) -> Tensor(a!)", kElementwise, InplaceBinary) \
  X(MulScalar_, "mul_.Scalar(Tensor(a!) self, Scalar other) -> Tensor(a!)", kElementwise, InplaceScalar) \
  X(Div_, "div_(Tensor(a!) self, Tensor other) -> Tensor(a!)", kElementwise, InplaceBinary) \
  X(DivScalar_, "div_.Scalar(Tensor(a!) self, Scalar other) -> Tensor(a!)", kElementwise, InplaceScalar) \
  X(Neg_, "neg_(Tensor(a!) self) -> Tensor(a!)", kElementwise, InplaceUnary) \
  X(Exp_, "exp_(Tensor(a!) self) -> Tensor(a!)", kElementwise, InplaceUnary) \
  X(Sqrt_, "sqrt_(Tensor(a!) self) -> Tensor(a!)", kElementwise, InplaceUnary) \
  X(Relu_, "relu_(Tensor(a!) self) -> Tensor(a!)", kElementwise, InplaceUnary) \
  X(Sigmoid_, "sigmoid_(Tensor(a!) self) -> Tensor(a!)", kElementwise, InplaceUnary) \
  X(Tanh_, "tanh_(Tensor(a!) self) -> Tensor(a!)", kElementwise, InplaceUnary) \
  X(Clamp_, "clamp_(Tensor(a!) self, Scalar? min=None, Scalar? max=None) -> Tensor(a!)", kElementwise, InplaceUnary) \
  X(Copy_, "copy_(Tensor(a!) self, Tensor src) -> Tensor(a!)", kElementwise, InplaceBinary) \
  X(Fill_, "fill_(Tensor(a!) self, Scalar value) -> Tensor(a!)", kElementwise, InplaceScalar) \
  X(Zero_, "zero_(Tensor(a!) self) -> Tensor(a!)", kElementwise, InplaceUnary) \
  X(MaskedFill_, "masked_fill_(Tensor(a!) self, Tensor mask, Scalar value) -> Tensor(a!)", kElementwise, MaskedFill) \
  X(IndexAdd_, "index_add_(Tensor(a!) self, int dim, Tensor index, Tensor source, *, Scalar alpha=1) -> Tensor(a!)", kNoFlags, IndexAdd) \
  /* Backward ops used by derivative rules. */ \
  X(ThresholdBackward, "threshold_backward(Tensor grad_output, Tensor self, Scalar threshold) -> Tensor", kElementwise | kBackward, SameShapeBinary) \
  X(SigmoidBackward, "sigmoid_backward(Tensor grad_output, Tensor output) -> Tensor", kElementwise | kBackward, SameShapeBinary) \
  X(TanhBackward, "tanh_backward(Tensor grad_output, Tensor output) -> Tensor", kElementwise | kBackward, SameShapeBinary) \
  X(GeluBackward, "gelu_backward(Tensor grad_output, Tensor self, *, str approximate=\"none\") -> Tensor", kElementwise | kBackward, SameShapeBinary) \
  X(SiluBackward, "silu_backward(Tensor grad_output, Tensor self) -> Tensor", kElementwise | kBackward, SameShapeBinary) \
  X(SoftmaxBackward, "softmax_backward(Tensor grad_output, Tensor output, int dim) -> Tensor", kBackward, SameShapeBinary) \
  X(LogSoftmaxBackward, "log_softmax_backward(Tensor grad_output, Tensor output, int dim) -> Tensor", kBackward, SameShapeBinary) \
  X(LayerNormBackward, "layer_norm_backward(Tensor grad_out, Tensor input, int[] normalized_shape, Tensor mean, Tensor rstd, Tensor? weight, Tensor? bias) -> (Tensor grad_input, Tensor grad_weight, Tensor grad_bias)", kBackward, LayerNormBackward) \
  X(BatchNormBackward, "batch_norm_backward(Tensor grad_out, Tensor input, Tensor? weight, Tensor? running_mean, Tensor? running_var, Tensor? save_mean, Tensor? save_invstd, bool training, float eps) -> (Tensor grad_input, Tensor grad_weight, Tensor grad_bias)", kBackward, BatchNormBackward) \
  X(Conv2dBackwardInput, "conv2d_backward_input(Tensor grad_output, Tensor weight, int[] input_size, int[] stride=[1,1], int[] padding=[0,0], int[] dilation=[1,1], int groups=1) -> Tensor", kBackward | kComputeIntensive, Conv2dBackwardInput) \
  X(Conv2dBackwardWeight, "conv2d_backward_weight(Tensor grad_output, Tensor input, int[] weight_size, int[] stride=[1,1], int[] padding=[0,0], int[] dilation=[1,1], int groups=1) -> Tensor", kBackward | kComputeIntensive, Conv2dBackwardWeight) \
  X(MaxPool2dWithIndicesBackward, "max_pool2d_with_indices_backward(Tensor grad_output, Tensor self, Tensor indices, int[] kernel_size, int[] stride=[], int[] padding=[0,0], int[] dilation=[1,1], bool ceil_mode=false) -> Tensor", kBackward, PoolBackward) \
  X(AvgPool2dBackward, "avg_pool2d_backward(Tensor grad_output, Tensor self, int[] kernel_size, int[] stride=[], int[] padding=[0,0], bool ceil_mode=false, bool count_include_pad=true, int? divisor_override=None) -> Tensor", kBackward, PoolBackward) \
  X(AdaptiveAvgPool2dBackward, "adaptive_avg_pool2d_backward(Tensor grad_output, Tensor self) -> Tensor", kBackward, PoolBackward) \
  X(EmbeddingBackward, "embedding_backward(Tensor grad_output, Tensor indices, int num_weights, int padding_idx=-1) -> Tensor", kBackward, EmbeddingBackward) \
  X(NllLossBackward, "nll_loss_backward(Tensor grad_output, Tensor self, Tensor target, Tensor? weight=None, int reduction=1, int ignore_index=-100) -> Tensor", kBackward, LossBackward) \
  X(MseLossBackward, "mse_loss_backward(Tensor grad_output, Tensor self, Tensor target, int reduction=1) -> Tensor", kBackward, LossBackward) \
  X(SelectBackward, "select_backward(Tensor grad_output, int[] input_sizes, int dim, int index) -> Tensor", kBackward | kShapeOnly, SizedBackward) \
  X(SliceBackward, "slice_backward(Tensor grad_output, int[] input_sizes, int dim, int start, int end, int step) -> Tensor", kBackward | kShapeOnly, SizedBackward)
// clang-format on

#endif  // AOT_IR_OP_LIST_H_
