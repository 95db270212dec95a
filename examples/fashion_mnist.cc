// Trains an MLP (784-256-256-10, ReLU) on Fashion-MNIST with Adam (lr 1e-3,
// batch 128), eagerly or through aot_module, and reports test accuracy.
//
//   bazel run --config=opt //examples:fashion_mnist -- --mode=aot --epochs=5
//
// Flags:
//   --mode=eager|aot         how the model runs (default aot)
//   --epochs=N               passes over the training set (default 5)
//   --partitioner=default|mincut|budget=F   aot only (default default)
//   --data_dir=DIR           the four idx files, gzipped or not (default
//                            /usr/share/datasets/fashion-mnist, Debian's
//                            dataset-fashion-mnist package)
//   --train_limit=N, --test_limit=N   use the first N examples (tests)
//   --seed=N                 initialisation and shuffling (default 0)
//   --device=cpu|cuda|cuda:N where the model runs (default cpu; cuda needs
//                            the CUDA backend linked and a GPU)
// Prints per-epoch progress, then one line of JSON:
//   {"mode":"aot","epochs":5,"test_accuracy":0.88,"train_seconds":12.3}
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "aot/base/status_macros.h"
#include "aot/module/aot_module.h"
#include "aot/module/layers.h"
#include "aot/module/optimizers.h"
#include "aot/tensor/ops.h"

namespace {

using aot::Tensor;

struct Flags {
  std::string mode = "aot";
  int epochs = 5;
  std::string partitioner = "default";
  std::string data_dir = "/usr/share/datasets/fashion-mnist";
  int64_t train_limit = -1;
  int64_t test_limit = -1;
  uint64_t seed = 0;
  aot::Device device = aot::Device::Cpu();
};

absl::StatusOr<Flags> ParseFlags(int argc, char** argv) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](absl::string_view name) -> std::optional<std::string> {
      std::string prefix = absl::StrCat("--", name, "=");
      if (absl::StartsWith(arg, prefix)) return arg.substr(prefix.size());
      return std::nullopt;
    };
    bool ok = true;
    if (auto v = value("mode")) {
      f.mode = *v;
      ok = f.mode == "eager" || f.mode == "aot";
    } else if (auto v = value("epochs")) {
      ok = absl::SimpleAtoi(*v, &f.epochs) && f.epochs > 0;
    } else if (auto v = value("partitioner")) {
      f.partitioner = *v;
    } else if (auto v = value("data_dir")) {
      f.data_dir = *v;
    } else if (auto v = value("train_limit")) {
      ok = absl::SimpleAtoi(*v, &f.train_limit) && f.train_limit > 0;
    } else if (auto v = value("test_limit")) {
      ok = absl::SimpleAtoi(*v, &f.test_limit) && f.test_limit > 0;
    } else if (auto v = value("seed")) {
      ok = absl::SimpleAtoi(*v, &f.seed);
    } else if (auto v = value("device")) {
      std::optional<aot::Device> d = aot::Device::Parse(*v);
      ok = d.has_value() && !d->is_meta();
      if (ok) f.device = *d;
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag ", arg, " (see the comment at the top of ",
                                                     "examples/fashion_mnist.cc)"));
    }
    if (!ok) return absl::InvalidArgumentError(absl::StrCat("bad value in ", arg));
  }
  return f;
}

// Reads a whole file through zlib (which also reads uncompressed files).
absl::StatusOr<std::vector<uint8_t>> ReadFile(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) {
    return absl::NotFoundError(absl::StrCat("cannot open ", path,
                                            " (install Debian's dataset-fashion-mnist, which tools/setup.sh does, "
                                            "or pass --data_dir)"));
  }
  std::vector<uint8_t> out;
  uint8_t buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof(buf))) > 0) out.insert(out.end(), buf, buf + n);
  int err = 0;
  const char* msg = gzerror(f, &err);
  gzclose(f);
  if (n < 0 || (err != Z_OK && err != Z_STREAM_END)) {
    return absl::DataLossError(absl::StrCat(path, ": corrupt gzip data: ", msg));
  }
  return out;
}

uint32_t BigEndian32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

struct Split {
  std::vector<float> images;  // n x 784, scaled to [0, 1] and standardised.
  std::vector<int64_t> labels;
  int64_t n = 0;
};

// Reads an idx image file and its label file (the MNIST format: a magic
// number, big-endian sizes, then bytes).
absl::StatusOr<Split> ReadSplit(const std::string& dir, const std::string& prefix, int64_t limit) {
  std::string image_path, label_path;
  for (const char* suffix : {".gz", ""}) {
    image_path = absl::StrCat(dir, "/", prefix, "-images-idx3-ubyte", suffix);
    label_path = absl::StrCat(dir, "/", prefix, "-labels-idx1-ubyte", suffix);
    if (FILE* f = std::fopen(image_path.c_str(), "rb")) {
      std::fclose(f);
      break;
    }
  }
  AOT_ASSIGN_OR_RETURN(std::vector<uint8_t> images, ReadFile(image_path));
  AOT_ASSIGN_OR_RETURN(std::vector<uint8_t> labels, ReadFile(label_path));
  if (images.size() < 16 || BigEndian32(images.data()) != 0x803) {
    return absl::DataLossError(absl::StrCat(image_path, ": not an idx3 image file (bad magic number)"));
  }
  if (labels.size() < 8 || BigEndian32(labels.data()) != 0x801) {
    return absl::DataLossError(absl::StrCat(label_path, ": not an idx1 label file (bad magic number)"));
  }
  const int64_t n = BigEndian32(images.data() + 4);
  const int64_t rows = BigEndian32(images.data() + 8);
  const int64_t cols = BigEndian32(images.data() + 12);
  if (rows != 28 || cols != 28) {
    return absl::DataLossError(absl::StrCat(image_path, ": images are ", rows, "x", cols, ", expected 28x28"));
  }
  if (static_cast<int64_t>(images.size()) != 16 + n * 784) {
    return absl::DataLossError(absl::StrCat(image_path, ": holds ", images.size(), " bytes, expected ",
                                            16 + n * 784, " for ", n, " images"));
  }
  if (static_cast<int64_t>(BigEndian32(labels.data() + 4)) != n || static_cast<int64_t>(labels.size()) != 8 + n) {
    return absl::DataLossError(absl::StrCat(label_path, ": label count does not match the ", n, " images"));
  }
  Split s;
  s.n = limit > 0 ? std::min(limit, n) : n;
  s.images.resize(s.n * 784);
  // Fashion-MNIST's pixel mean and standard deviation.
  constexpr float kMean = 0.2860f, kStd = 0.3530f;
  for (int64_t i = 0; i < s.n * 784; ++i) s.images[i] = (images[16 + i] / 255.0f - kMean) / kStd;
  s.labels.resize(s.n);
  for (int64_t i = 0; i < s.n; ++i) {
    s.labels[i] = labels[8 + i];
    if (s.labels[i] > 9) return absl::DataLossError(absl::StrCat(label_path, ": label ", s.labels[i], " > 9"));
  }
  return s;
}

// Copies examples order[begin, end) into a batch.
void MakeBatch(const Split& s, const std::vector<int64_t>& order, int64_t begin, int64_t end, Tensor* x, Tensor* y) {
  const int64_t b = end - begin;
  *x = Tensor::Empty({b, 784}, aot::DType::kFloat32);
  *y = Tensor::Empty({b}, aot::DType::kInt64);
  float* xp = x->data_ptr<float>();
  int64_t* yp = y->data_ptr<int64_t>();
  for (int64_t i = 0; i < b; ++i) {
    const int64_t k = order[begin + i];
    std::memcpy(xp + i * 784, s.images.data() + k * 784, 784 * sizeof(float));
    yp[i] = s.labels[k];
  }
}

absl::Status Main(int argc, char** argv) {
  AOT_ASSIGN_OR_RETURN(Flags flags, ParseFlags(argc, argv));
  AOT_ASSIGN_OR_RETURN(Split train, ReadSplit(flags.data_dir, "train", flags.train_limit));
  AOT_ASSIGN_OR_RETURN(Split test, ReadSplit(flags.data_dir, "t10k", flags.test_limit));
  std::printf("fashion_mnist: %lld training and %lld test examples, mode %s, device %s\n",
              static_cast<long long>(train.n), static_cast<long long>(test.n), flags.mode.c_str(),
              flags.device.ToString().c_str());

  aot::SeedSequence seeds(flags.seed);
  auto net = std::make_shared<aot::Sequential>();
  net->Add(std::make_shared<aot::Linear>(784, 256, /*bias=*/true, seeds.Next()));
  net->Add(std::make_shared<aot::ReLU>());
  net->Add(std::make_shared<aot::Linear>(256, 256, /*bias=*/true, seeds.Next()));
  net->Add(std::make_shared<aot::ReLU>());
  net->Add(std::make_shared<aot::Linear>(256, 10, /*bias=*/true, seeds.Next()));
  AOT_RETURN_IF_ERROR(net->status());
  AOT_RETURN_IF_ERROR(net->To(flags.device));
  std::optional<aot::AotModule> compiled;
  if (flags.mode == "aot") {
    AOT_ASSIGN_OR_RETURN(aot::PartitionFn partition, aot::partition::PartitionerByName(flags.partitioner));
    AOT_ASSIGN_OR_RETURN(compiled, aot::aot_module(net, {.partition_fn = partition}));
  }
  auto forward = [&](const Tensor& x) -> absl::StatusOr<Tensor> {
    if (compiled.has_value()) return compiled->Forward(x);
    Tensor y = (*net)(x);
    AOT_RETURN_IF_ERROR(y.status());
    return y;
  };
  aot::Adam opt(net->Parameters(), {.lr = 1e-3});

  constexpr int64_t kBatch = 128;
  std::vector<int64_t> order(train.n);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(flags.seed);
  double train_seconds = 0;
  double accuracy = 0;
  for (int epoch = 1; epoch <= flags.epochs; ++epoch) {
    net->Train();
    std::shuffle(order.begin(), order.end(), rng);
    const auto start = std::chrono::steady_clock::now();
    double loss_sum = 0;
    int64_t batches = 0;
    for (int64_t b = 0; b < train.n; b += kBatch) {
      Tensor x, y;
      MakeBatch(train, order, b, std::min(b + kBatch, train.n), &x, &y);
      AOT_ASSIGN_OR_RETURN(x, x.to(flags.device).Checked());
      AOT_ASSIGN_OR_RETURN(y, y.to(flags.device).Checked());
      AOT_ASSIGN_OR_RETURN(Tensor logits, forward(x));
      Tensor loss = aot::cross_entropy(logits, y);
      AOT_RETURN_IF_ERROR(loss.backward());
      AOT_RETURN_IF_ERROR(opt.Step());
      opt.ZeroGrad();
      AOT_ASSIGN_OR_RETURN(double l, loss.item());
      loss_sum += l;
      ++batches;
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    train_seconds += seconds;
    // Test accuracy, without gradients.
    net->Eval();
    int64_t correct = 0;
    {
      aot::NoGradGuard no_grad;
      std::vector<int64_t> test_order(test.n);
      std::iota(test_order.begin(), test_order.end(), 0);
      for (int64_t b = 0; b < test.n; b += 1000) {
        Tensor x, y;
        MakeBatch(test, test_order, b, std::min(b + 1000, test.n), &x, &y);
        AOT_ASSIGN_OR_RETURN(Tensor xd, x.to(flags.device).Checked());
        AOT_ASSIGN_OR_RETURN(Tensor logits, forward(xd));
        AOT_ASSIGN_OR_RETURN(std::vector<int64_t> pred, logits.argmax(1).ToVector<int64_t>());
        for (size_t i = 0; i < pred.size(); ++i) correct += pred[i] == y.data_ptr<int64_t>()[i];
      }
    }
    accuracy = static_cast<double>(correct) / static_cast<double>(test.n);
    std::printf("epoch %d/%d: loss %.4f, test accuracy %.4f, %.0f examples/s (%.2f s)\n", epoch, flags.epochs,
                loss_sum / static_cast<double>(batches), accuracy, static_cast<double>(train.n) / seconds, seconds);
    std::fflush(stdout);
  }
  std::printf("{\"mode\":\"%s\",\"epochs\":%d,\"test_accuracy\":%.4f,\"train_seconds\":%.2f}\n", flags.mode.c_str(),
              flags.epochs, accuracy, train_seconds);
  return absl::OkStatus();
}

}  // namespace

int main(int argc, char** argv) {
  absl::Status s = Main(argc, argv);
  if (!s.ok()) {
    std::fprintf(stderr, "fashion_mnist: %s\n", s.ToString().c_str());
    return 1;
  }
  return 0;
}
