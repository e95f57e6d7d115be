// hrnn's LSTMs as TensorFlow ops. The row reader: HrnnLstmLastShared (forward) and HrnnLstmLastSharedGrad; the
// image reader (any LSTM over whole sequences): HrnnLstmSequence and HrnnLstmSequenceGrad, further down.
//
// The row reader's compute what hrnn.nn.recurrence.lstm_last_state_shared_prefix computes: the last hidden state of an LSTM run
// from a zero state over each of n sequences, where one all-zero "trajectory" row runs alongside and every
// sequence joins at its first non-zero step, starting from the trajectory's state. Sorted by that step (a stable
// sort, the trajectory first), the rows active at step t are a prefix of the batch: counts[t + 1] rows. Gates are
// laid out as Keras does (i, f, c, o); every matrix is row-major.
//
// The forward op also returns what the gradient needs (the sort, the states before each step, the activated gates,
// tanh of the cells), one block of rows per step; the gradient op runs backpropagation through time over them and
// forms the weights' gradients at the end as two products over all steps. Products are Eigen's (single-threaded,
// the Eigen that TensorFlow's headers carry); each step's rows are cut into one block per thread of TensorFlow's
// intra-op pool, and a block's product and its fused gate pass run together, so a step waits once. No OpenMP: its
// barriers stall when the machine is loaded.

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "tensorflow/core/framework/op.h"
#include "tensorflow/core/framework/op_kernel.h"
#include "tensorflow/core/framework/shape_inference.h"
#include "tensorflow/core/platform/threadpool.h"
#include "Eigen/Core"
#include "amx_products.h"

namespace {

using tensorflow::OpKernel;
using tensorflow::OpKernelConstruction;
using tensorflow::OpKernelContext;
using tensorflow::Tensor;
using tensorflow::TensorShape;
using Index = Eigen::Index;

template <class T>
using Rows = Eigen::Map<Eigen::Array<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>, 0, Eigen::OuterStride<>>;
template <class T>
using ConstRows =
    Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>, 0, Eigen::OuterStride<>>;

constexpr Index kLeastRows = 32;  // fewer rows than this a step runs on one thread
constexpr Index kLeastSequenceRows = 16;  // the image reader's steps: a batch of 32 is two blocks

template <class T>
using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T>
using MatrixMap = Eigen::Map<Matrix<T>, 0, Eigen::OuterStride<>>;
template <class T>
using ConstMatrixMap = Eigen::Map<const Matrix<T>, 0, Eigen::OuterStride<>>;

// Run body(begin, end) over [0, total) in about one block per thread of TensorFlow's intra-op pool (blocks of at
// least `least`): one product and one fused element-wise pass per block, so one wait per step, not one per op.
template <class Body>
void in_blocks(OpKernelContext* context, Index total, Index least, Body body) {
  auto* workers = context->device()->tensorflow_cpu_worker_threads()->workers;
  const Index threads = std::max(1, workers->NumThreads());
  const Index block = std::max(least, (total + threads - 1) / threads);
  if (block >= total) {
    body(Index(0), total);
    return;
  }
  workers->ParallelFor(total, tensorflow::thread::ThreadPool::SchedulingParams::Fixed(block),
                       [&](int64_t begin, int64_t end) { body(Index(begin), Index(end)); });
}

// The weights' shapes for inputs of F features, as Keras lays them out: kernel (F, 4 units), recurrent kernel
// (units, 4 units), bias (4 units).
absl::Status check_weights(const Tensor& kernel, const Tensor& recurrent, const Tensor& bias, Index F) {
  const Index G = 4 * (recurrent.dims() > 0 ? recurrent.dim_size(0) : 0);
  if (recurrent.dims() != 2 || recurrent.dim_size(1) != G)
    return tensorflow::errors::InvalidArgument("recurrent kernel must be (units, 4 units)");
  if (kernel.dims() != 2 || kernel.dim_size(0) != F || kernel.dim_size(1) != G)
    return tensorflow::errors::InvalidArgument("kernel must be (features, 4 units)");
  if (bias.NumElements() != G) return tensorflow::errors::InvalidArgument("bias must be (4 units,)");
  return absl::OkStatus();
}

// `what` unless `tensor` is a (rows, cols) matrix.
absl::Status check_matrix(const Tensor& tensor, Index rows, Index cols, const char* what) {
  if (tensor.dims() != 2 || tensor.dim_size(0) != rows || tensor.dim_size(1) != cols)
    return tensorflow::errors::InvalidArgument(what);
  return absl::OkStatus();
}

// One step's gate pass over m rows (all four ops): z holds the gates' pre-activations and is overwritten with the
// activated gates (i, f, g, o); then c_next = f * c_prev + i * g, c_tanh = tanh(c_next), h_next = o * c_tanh.
template <class T>
void gate_pass(Rows<T> z, ConstRows<T> c_prev, Rows<T> c_next, Rows<T> c_tanh, Rows<T> h_next, Index H) {
  auto i = z.leftCols(H), f = z.middleCols(H, H), g = z.middleCols(2 * H, H), o = z.rightCols(H);
  i = i.logistic();
  f = f.logistic();
  g = g.tanh();
  o = o.logistic();
  c_next = f * c_prev + i * g;
  c_tanh = c_next.tanh();
  h_next = o * c_tanh;
}

// The same step backwards: from dh (the hidden state's gradient after the step) and dc (the cell's, turned in place
// into the gradient of the cell state before the step), dz gets the gradients of the gates' pre-activations.
template <class T>
void gate_grad(ConstRows<T> gates, ConstRows<T> c_prev, ConstRows<T> c_tanh, Rows<T> dh, Rows<T> dc, Rows<T> dz,
               Index H) {
  auto i = gates.leftCols(H), f = gates.middleCols(H, H), g = gates.middleCols(2 * H, H), o = gates.rightCols(H);
  dc += dh * o * (T(1) - c_tanh.square());
  dz.leftCols(H) = dc * g * i * (T(1) - i);
  dz.middleCols(H, H) = dc * c_prev * f * (T(1) - f);
  dz.middleCols(2 * H, H) = dc * i * (T(1) - g.square());
  dz.rightCols(H) = dh * c_tanh * o * (T(1) - o);
  dc *= f;
}

template <class T>
class ForwardOp : public OpKernel {
 public:
  explicit ForwardOp(OpKernelConstruction* context) : OpKernel(context) {
    OP_REQUIRES_OK(context, context->GetAttr("bf16", &bf16_));
  }

  void Compute(OpKernelContext* context) override {
    const Tensor& x_in = context->input(0);
    const Tensor& kernel_in = context->input(1);
    const Tensor& recurrent_in = context->input(2);
    const Tensor& bias_in = context->input(3);
    OP_REQUIRES(context, x_in.dims() == 3, tensorflow::errors::InvalidArgument("inputs must be (n, steps, features)"));
    const Index n = x_in.dim_size(0), steps = x_in.dim_size(1), F = x_in.dim_size(2);
    OP_REQUIRES_OK(context, check_weights(kernel_in, recurrent_in, bias_in, F));
    const Index H = recurrent_in.dim_size(0), G = 4 * H, N1 = n + 1;
    const T* x = x_in.flat<T>().data();
    const T* kernel = kernel_in.flat<T>().data();
    const T* recurrent = recurrent_in.flat<T>().data();
    const T* bias = bias_in.flat<T>().data();

    // Each sequence's first non-zero step (steps if none); the trajectory (row n) is active from the start.
    std::vector<int> first(N1, int(steps));
    first[n] = -1;
    for (Index s = 0; s < n; ++s) {
      const T* xs = x + s * steps * F;
      for (Index i = 0; i < steps * F; ++i)
        if (xs[i] != T(0)) {
          first[s] = int(i / F);
          break;
        }
    }
    // A stable counting sort by first step; counts[t + 1]: rows active at step t, counts[0] = 1.
    Tensor *order_out, *counts_out;
    OP_REQUIRES_OK(context, context->allocate_output(1, TensorShape({N1}), &order_out));
    OP_REQUIRES_OK(context, context->allocate_output(2, TensorShape({steps + 2}), &counts_out));
    int* order = order_out->flat<int>().data();
    int* counts = counts_out->flat<int>().data();
    std::fill(counts, counts + steps + 2, 0);
    for (Index s = 0; s < N1; ++s) counts[first[s] + 1]++;
    std::vector<int> start(steps + 2);
    for (Index t = 0, acc = 0; t < steps + 2; ++t) start[t] = int(acc), acc += counts[t];
    for (Index s = 0; s < N1; ++s) order[start[first[s] + 1]++] = int(s);
    for (Index t = 1; t < steps + 2; ++t) counts[t] += counts[t - 1];
    std::vector<Index> offset(steps + 1, 0);  // the first saved row of each step's block
    for (Index t = 0; t < steps; ++t) offset[t + 1] = offset[t] + counts[t + 1];
    const Index R = offset[steps];

    Tensor *h_out, *x_ones_out, *h_prev_out, *c_prev_out, *gates_out, *c_tanh_out;
    OP_REQUIRES_OK(context, context->allocate_output(0, TensorShape({n, H}), &h_out));
    OP_REQUIRES_OK(context, context->allocate_output(3, TensorShape({R, F + 1}), &x_ones_out));
    OP_REQUIRES_OK(context, context->allocate_output(4, TensorShape({R, H}), &h_prev_out));
    OP_REQUIRES_OK(context, context->allocate_output(5, TensorShape({R, H}), &c_prev_out));
    OP_REQUIRES_OK(context, context->allocate_output(6, TensorShape({R, G}), &gates_out));
    OP_REQUIRES_OK(context, context->allocate_output(7, TensorShape({R, H}), &c_tanh_out));
    T* x_ones = x_ones_out->flat<T>().data();
    T* h_prev = h_prev_out->flat<T>().data();
    T* c_prev = c_prev_out->flat<T>().data();
    T* gates = gates_out->flat<T>().data();
    T* c_tanh = c_tanh_out->flat<T>().data();
    std::vector<T> h_end(N1 * H), c_end(N1 * H);  // the states after the last step
    ConstMatrixMap<T> recurrent_m(recurrent, H, G, Eigen::OuterStride<>(G));
    const hrnn_amx::PackedRecurrent<T> amx_u(recurrent, H, G, bf16_);  // off unless bfloat16 products on AMX

    // Before step 0 every active row (the trajectory and the rows that start with ink) is in the zero state.
    std::fill(h_prev, h_prev + counts[1] * H, T(0));
    std::fill(c_prev, c_prev + counts[1] * H, T(0));
    for (Index t = 0; t < steps; ++t) {
      const Index active = counts[t + 1], row0 = offset[t];
      T* z = gates + row0 * G;
      const bool last = t + 1 == steps;
      T* h_next = last ? h_end.data() : h_prev + offset[t + 1] * H;
      T* c_next = last ? c_end.data() : c_prev + offset[t + 1] * H;
      in_blocks(context, active, kLeastRows, [&](Index begin, Index end) {
        const Index m = end - begin;
        for (Index r = begin; r < end; ++r) {  // this step's input with a one for the bias; the trajectory reads zeros
          T* xr = x_ones + (row0 + r) * (F + 1);
          if (order[r] < n) std::memcpy(xr, x + (Index(order[r]) * steps + t) * F, sizeof(T) * F);
          else std::fill(xr, xr + F, T(0));
          xr[F] = T(1);
        }
        // The bias and the input's share first, then the recurrent product added in place: a product assigned with
        // `=` would first clear its rows, one more pass over the largest array of the step.
        Rows<T> zr(z + begin * G, m, G, Eigen::OuterStride<>(G));
        ConstRows<T> xo(x_ones + (row0 + begin) * (F + 1), m, F + 1, Eigen::OuterStride<>(F + 1));
        zr.rowwise() = Eigen::Map<const Eigen::Array<T, 1, Eigen::Dynamic>>(bias, G);
        for (Index f = 0; f < F; ++f)
          zr.matrix().noalias() += xo.matrix().col(f) * Eigen::Map<const Eigen::Matrix<T, 1, Eigen::Dynamic>>(
                                                            kernel + f * G, G);
        if (!amx_u.forward_add(h_prev + (row0 + begin) * H, m, z + begin * G))
          zr.matrix().noalias() +=
              ConstMatrixMap<T>(h_prev + (row0 + begin) * H, m, H, Eigen::OuterStride<>(H)) * recurrent_m;
        gate_pass<T>(zr, ConstRows<T>(c_prev + (row0 + begin) * H, m, H, Eigen::OuterStride<>(H)),
                     Rows<T>(c_next + begin * H, m, H, Eigen::OuterStride<>(H)),
                     Rows<T>(c_tanh + (row0 + begin) * H, m, H, Eigen::OuterStride<>(H)),
                     Rows<T>(h_next + begin * H, m, H, Eigen::OuterStride<>(H)), H);
      });
      if (!last)  // rows joining at the next step start from the trajectory's state (row 0)
        for (Index r = active; r < counts[t + 2]; ++r) {
          std::memcpy(h_next + r * H, h_next, sizeof(T) * H);
          std::memcpy(c_next + r * H, c_next, sizeof(T) * H);
        }
    }
    // Each sequence's last state; rows that never joined end in the trajectory's.
    T* h_last = h_out->flat<T>().data();
    const Index last_active = steps > 0 ? counts[steps] : 0;
    for (Index k = 0; k < N1; ++k)
      if (order[k] < n) {
        T* dst = h_last + Index(order[k]) * H;
        if (k < last_active) std::memcpy(dst, h_end.data() + k * H, sizeof(T) * H);
        else if (steps > 0) std::memcpy(dst, h_end.data(), sizeof(T) * H);
        else std::fill(dst, dst + H, T(0));
      }
  }

 private:
  bool bf16_ = false;  // the `bf16` attribute: bfloat16 products on AMX where the build and Linux allow
};

template <class T>
class GradOp : public OpKernel {
 public:
  explicit GradOp(OpKernelConstruction* context) : OpKernel(context) {
    OP_REQUIRES_OK(context, context->GetAttr("bf16", &bf16_));
  }

  void Compute(OpKernelContext* context) override {
    const Tensor& dh_in = context->input(0);
    const Index n = dh_in.dim_size(0), H = dh_in.dim_size(1), G = 4 * H, N1 = n + 1;
    const T* dh_last = dh_in.flat<T>().data();
    const T* kernel = context->input(1).flat<T>().data();
    const T* recurrent = context->input(2).flat<T>().data();
    const int* order = context->input(3).flat<int>().data();
    const int* counts = context->input(4).flat<int>().data();
    const Tensor& x_ones_in = context->input(5);
    const Index steps = context->input(4).NumElements() - 2, F = x_ones_in.dim_size(1) - 1;
    const Index R = x_ones_in.dim_size(0);
    const T* x_ones = x_ones_in.flat<T>().data();
    const T* h_prev = context->input(6).flat<T>().data();
    const T* c_prev = context->input(7).flat<T>().data();
    const T* gates = context->input(8).flat<T>().data();
    const T* c_tanh = context->input(9).flat<T>().data();
    OP_REQUIRES(context, context->input(1).dim_size(0) == F,
                tensorflow::errors::InvalidArgument("kernel and saved inputs disagree"));

    Tensor *dx_out, *dk_out, *du_out, *db_out;
    OP_REQUIRES_OK(context, context->allocate_output(0, TensorShape({n, steps, F}), &dx_out));
    OP_REQUIRES_OK(context, context->allocate_output(1, TensorShape({F, G}), &dk_out));
    OP_REQUIRES_OK(context, context->allocate_output(2, TensorShape({H, G}), &du_out));
    OP_REQUIRES_OK(context, context->allocate_output(3, TensorShape({G}), &db_out));
    T* d_x = dx_out->flat<T>().data();
    std::fill(d_x, d_x + n * steps * F, T(0));  // zero where the computation is shared
    std::vector<Index> offset(steps + 1, 0);
    for (Index t = 0; t < steps; ++t) offset[t + 1] = offset[t] + counts[t + 1];
    std::vector<T> dh(N1 * H, T(0)), dc(N1 * H, T(0)), dh_prev(N1 * H);
    std::unique_ptr<T[]> dz_all(new T[R * G]);  // every row is written, step by step: not cleared first
    ConstMatrixMap<T> recurrent_m(recurrent, H, G, Eigen::OuterStride<>(G));
    const hrnn_amx::PackedRecurrent<T> amx_u(recurrent, H, G, bf16_);  // off unless bfloat16 products on AMX
    ConstMatrixMap<T> kernel_m(kernel, F, G, Eigen::OuterStride<>(G));

    // Each sequence's gradient goes to its sorted row; rows that never joined give theirs to the trajectory.
    const Index last_active = steps > 0 ? counts[steps] : 0;
    for (Index k = 0; k < N1 && steps > 0; ++k) {
      if (order[k] == n) continue;
      const T* src = dh_last + Index(order[k]) * H;
      T* dst = dh.data() + (k < last_active ? k : 0) * H;
      for (Index j = 0; j < H; ++j) dst[j] += src[j];
    }
    for (Index t = steps - 1; t >= 0; --t) {
      const Index before = counts[t], active = counts[t + 1], row0 = offset[t];
      T* dz = dz_all.get() + row0 * G;
      in_blocks(context, active, kLeastRows, [&](Index begin, Index end) {
        const Index m = end - begin;
        Rows<T> dzr(dz + begin * G, m, G, Eigen::OuterStride<>(G));
        gate_grad<T>(ConstRows<T>(gates + (row0 + begin) * G, m, G, Eigen::OuterStride<>(G)),
                     ConstRows<T>(c_prev + (row0 + begin) * H, m, H, Eigen::OuterStride<>(H)),
                     ConstRows<T>(c_tanh + (row0 + begin) * H, m, H, Eigen::OuterStride<>(H)),
                     Rows<T>(dh.data() + begin * H, m, H, Eigen::OuterStride<>(H)),
                     Rows<T>(dc.data() + begin * H, m, H, Eigen::OuterStride<>(H)), dzr, H);
        // The input's gradient, dz . kernel^T (one product, not a scalar loop), put in each sequence's own row.
        const Matrix<T> dx_block = dzr.matrix() * kernel_m.transpose();  // (m, F)
        for (Index r = begin; r < end; ++r)
          if (order[r] != n)
            std::memcpy(d_x + (Index(order[r]) * steps + t) * F, dx_block.data() + (r - begin) * F, sizeof(T) * F);
        if (!amx_u.backward(dz + begin * G, m, dh_prev.data() + begin * H))
          MatrixMap<T>(dh_prev.data() + begin * H, m, H, Eigen::OuterStride<>(H)).noalias() =
              ConstMatrixMap<T>(dz + begin * G, m, G, Eigen::OuterStride<>(G)) * recurrent_m.transpose();
      });
      // Rows that joined at this step hand their gradients back to the trajectory (row 0).
      std::memcpy(dh.data(), dh_prev.data(), sizeof(T) * before * H);
      for (Index r = before; r < active; ++r)
        for (Index j = 0; j < H; ++j) dh[j] += dh_prev[r * H + j], dc[j] += dc[r * H + j];
    }
    // The weights' gradients over all steps at once, a block of gate columns per thread; the column of ones gives
    // the bias's.
    std::vector<T> d_kernel_bias((F + 1) * G);
    in_blocks(context, G, 64, [&](Index begin, Index end) {
      const Index cols = end - begin;
      ConstMatrixMap<T> dz_cols(dz_all.get() + begin, R, cols, Eigen::OuterStride<>(G));
      if (!hrnn_amx::weights<T>(bf16_, h_prev, R, H, dz_all.get() + begin, cols, G, du_out->flat<T>().data() + begin,
                                G))
        MatrixMap<T>(du_out->flat<T>().data() + begin, H, cols, Eigen::OuterStride<>(G)).noalias() =
            ConstMatrixMap<T>(h_prev, R, H, Eigen::OuterStride<>(H)).transpose() * dz_cols;
      MatrixMap<T>(d_kernel_bias.data() + begin, F + 1, cols, Eigen::OuterStride<>(G)).noalias() =
          ConstMatrixMap<T>(x_ones, R, F + 1, Eigen::OuterStride<>(F + 1)).transpose() * dz_cols;
    });
    std::memcpy(dk_out->flat<T>().data(), d_kernel_bias.data(), sizeof(T) * F * G);
    std::memcpy(db_out->flat<T>().data(), d_kernel_bias.data() + F * G, sizeof(T) * G);
  }

 private:
  bool bf16_ = false;  // the `bf16` attribute: bfloat16 products on AMX where the build and Linux allow
};


// HrnnLstmSequence: an LSTM over whole sequences from a given state (the image reader), what
// hrnn.nn.recurrence.lstm_sequence computes. Inputs x (batch, steps, features), h0 and c0 (batch, units), the
// weights as above. Outputs every hidden state h_seq (batch, steps, units) and the last cell c_last (batch, units),
// and for the gradient, time-major (row t * batch + b): the hidden and cell states before each step, the activated
// gates and tanh of each new cell. The input's share of the gates for every step is one product before the loop.
template <class T>
class SequenceOp : public OpKernel {
 public:
  explicit SequenceOp(OpKernelConstruction* context) : OpKernel(context) {}

  void Compute(OpKernelContext* context) override {
    const Tensor& x_in = context->input(0);
    const Tensor& h0_in = context->input(1);
    const Tensor& c0_in = context->input(2);
    const Tensor& kernel_in = context->input(3);
    const Tensor& recurrent_in = context->input(4);
    const Tensor& bias_in = context->input(5);
    OP_REQUIRES(context, x_in.dims() == 3, tensorflow::errors::InvalidArgument("inputs must be (batch, steps, features)"));
    const Index B = x_in.dim_size(0), S = x_in.dim_size(1), F = x_in.dim_size(2);
    OP_REQUIRES(context, S > 0, tensorflow::errors::InvalidArgument("a sequence needs at least one step"));
    OP_REQUIRES_OK(context, check_weights(kernel_in, recurrent_in, bias_in, F));
    const Index H = recurrent_in.dim_size(0), G = 4 * H;
    OP_REQUIRES_OK(context, check_matrix(h0_in, B, H, "initial hidden state must be (batch, units)"));
    OP_REQUIRES_OK(context, check_matrix(c0_in, B, H, "initial cell state must be (batch, units)"));
    const T* x = x_in.flat<T>().data();
    const T* kernel = kernel_in.flat<T>().data();
    const T* bias = bias_in.flat<T>().data();

    Tensor *h_seq_out, *c_last_out, *h_prev_out, *c_prev_out, *gates_out, *c_tanh_out;
    OP_REQUIRES_OK(context, context->allocate_output(0, TensorShape({B, S, H}), &h_seq_out));
    OP_REQUIRES_OK(context, context->allocate_output(1, TensorShape({B, H}), &c_last_out));
    OP_REQUIRES_OK(context, context->allocate_output(2, TensorShape({S * B, H}), &h_prev_out));
    OP_REQUIRES_OK(context, context->allocate_output(3, TensorShape({S * B, H}), &c_prev_out));
    OP_REQUIRES_OK(context, context->allocate_output(4, TensorShape({S * B, G}), &gates_out));
    OP_REQUIRES_OK(context, context->allocate_output(5, TensorShape({S * B, H}), &c_tanh_out));
    T* h_seq = h_seq_out->flat<T>().data();
    T* h_prev = h_prev_out->flat<T>().data();
    T* c_prev = c_prev_out->flat<T>().data();
    T* gates = gates_out->flat<T>().data();
    T* c_tanh = c_tanh_out->flat<T>().data();
    ConstMatrixMap<T> kernel_m(kernel, F, G, Eigen::OuterStride<>(G));
    ConstMatrixMap<T> recurrent_m(recurrent_in.flat<T>().data(), H, G, Eigen::OuterStride<>(G));
    const auto bias_row = Eigen::Map<const Eigen::Array<T, 1, Eigen::Dynamic>>(bias, G);

    // The inputs' share of every gate at every step, one block of time-major rows per thread.
    in_blocks(context, S * B, kLeastRows, [&](Index begin, Index end) {
      for (Index r = begin; r < end;) {  // a block may span steps: one product per step's run of rows
        const Index t = r / B, b = r % B, m = std::min(end, (t + 1) * B) - r;
        Rows<T>(gates + r * G, m, G, Eigen::OuterStride<>(G)).rowwise() = bias_row;  // then the product added
        MatrixMap<T>(gates + r * G, m, G, Eigen::OuterStride<>(G)).noalias() +=
            ConstMatrixMap<T>(x + (b * S + t) * F, m, F, Eigen::OuterStride<>(S * F)) * kernel_m;
        r += m;
      }
    });
    std::memcpy(h_prev, h0_in.flat<T>().data(), sizeof(T) * B * H);
    std::memcpy(c_prev, c0_in.flat<T>().data(), sizeof(T) * B * H);
    for (Index t = 0; t < S; ++t) {
      const bool last = t + 1 == S;
      in_blocks(context, B, kLeastSequenceRows, [&](Index begin, Index end) {
        const Index m = end - begin, row = t * B + begin;
        MatrixMap<T>(gates + row * G, m, G, Eigen::OuterStride<>(G)).noalias() +=
            ConstMatrixMap<T>(h_prev + row * H, m, H, Eigen::OuterStride<>(H)) * recurrent_m;
        T* c_next = last ? c_last_out->flat<T>().data() + begin * H : c_prev + (row + B) * H;
        Rows<T> hn(h_seq + (begin * S + t) * H, m, H, Eigen::OuterStride<>(S * H));
        gate_pass<T>(Rows<T>(gates + row * G, m, G, Eigen::OuterStride<>(G)),
                     ConstRows<T>(c_prev + row * H, m, H, Eigen::OuterStride<>(H)),
                     Rows<T>(c_next, m, H, Eigen::OuterStride<>(H)),
                     Rows<T>(c_tanh + row * H, m, H, Eigen::OuterStride<>(H)), hn, H);
        if (!last) Rows<T>(h_prev + (row + B) * H, m, H, Eigen::OuterStride<>(H)) = hn;
      });
    }
  }
};

// HrnnLstmSequenceGrad: backpropagation through time for HrnnLstmSequence. Inputs the gradients of h_seq and c_last,
// x, the kernels and what the forward op saved; outputs the gradients of x, h0, c0, kernel, recurrent kernel, bias.
template <class T>
class SequenceGradOp : public OpKernel {
 public:
  explicit SequenceGradOp(OpKernelConstruction* context) : OpKernel(context) {}

  void Compute(OpKernelContext* context) override {
    const Tensor& dh_seq_in = context->input(0);
    const Tensor& x_in = context->input(2);
    OP_REQUIRES(context, x_in.dims() == 3, tensorflow::errors::InvalidArgument("inputs must be (batch, steps, features)"));
    const Index B = x_in.dim_size(0), S = x_in.dim_size(1), F = x_in.dim_size(2);
    const Tensor& recurrent_in = context->input(4);
    OP_REQUIRES(context, recurrent_in.dims() == 2 && recurrent_in.dim_size(1) == 4 * recurrent_in.dim_size(0),
                tensorflow::errors::InvalidArgument("recurrent kernel must be (units, 4 units)"));
    const Index H = recurrent_in.dim_size(0), G = 4 * H;
    OP_REQUIRES_OK(context, check_matrix(context->input(3), F, G, "kernel must be (features, 4 units)"));
    const char* saved = "gradients and saved states disagree with the inputs";
    OP_REQUIRES(context, dh_seq_in.NumElements() == B * S * H, tensorflow::errors::InvalidArgument(saved));
    OP_REQUIRES_OK(context, check_matrix(context->input(1), B, H, saved));
    for (int i : {5, 6, 8}) OP_REQUIRES_OK(context, check_matrix(context->input(i), S * B, H, saved));
    OP_REQUIRES_OK(context, check_matrix(context->input(7), S * B, G, saved));
    const T* dh_seq = dh_seq_in.flat<T>().data();
    const T* x = x_in.flat<T>().data();
    const T* kernel = context->input(3).flat<T>().data();
    const T* recurrent = context->input(4).flat<T>().data();
    const T* h_prev = context->input(5).flat<T>().data();
    const T* c_prev = context->input(6).flat<T>().data();
    const T* gates = context->input(7).flat<T>().data();
    const T* c_tanh = context->input(8).flat<T>().data();

    Tensor *dx_out, *dh0_out, *dc0_out, *dk_out, *du_out, *db_out;
    OP_REQUIRES_OK(context, context->allocate_output(0, TensorShape({B, S, F}), &dx_out));
    OP_REQUIRES_OK(context, context->allocate_output(1, TensorShape({B, H}), &dh0_out));
    OP_REQUIRES_OK(context, context->allocate_output(2, TensorShape({B, H}), &dc0_out));
    OP_REQUIRES_OK(context, context->allocate_output(3, TensorShape({F, G}), &dk_out));
    OP_REQUIRES_OK(context, context->allocate_output(4, TensorShape({H, G}), &du_out));
    OP_REQUIRES_OK(context, context->allocate_output(5, TensorShape({G}), &db_out));
    T* dh = dh0_out->flat<T>().data();  // the gradient of the hidden state after the step at hand; h0's at the end
    T* dc = dc0_out->flat<T>().data();  // and of the cell state
    std::fill(dh, dh + B * H, T(0));
    std::memcpy(dc, context->input(1).flat<T>().data(), sizeof(T) * B * H);
    std::vector<T> dh_next(B * H), x_tm(S * B * F);
    std::unique_ptr<T[]> dz_all(new T[S * B * G]);  // every row is written, step by step: not cleared first
    ConstMatrixMap<T> recurrent_m(recurrent, H, G, Eigen::OuterStride<>(G));

    for (Index t = S - 1; t >= 0; --t) {
      in_blocks(context, B, kLeastSequenceRows, [&](Index begin, Index end) {
        const Index m = end - begin, row = t * B + begin;
        Rows<T> dhr(dh + begin * H, m, H, Eigen::OuterStride<>(H));
        Rows<T> dzr(dz_all.get() + row * G, m, G, Eigen::OuterStride<>(G));
        dhr += ConstRows<T>(dh_seq + (begin * S + t) * H, m, H, Eigen::OuterStride<>(S * H));
        gate_grad<T>(ConstRows<T>(gates + row * G, m, G, Eigen::OuterStride<>(G)),
                     ConstRows<T>(c_prev + row * H, m, H, Eigen::OuterStride<>(H)),
                     ConstRows<T>(c_tanh + row * H, m, H, Eigen::OuterStride<>(H)), dhr,
                     Rows<T>(dc + begin * H, m, H, Eigen::OuterStride<>(H)), dzr, H);
        MatrixMap<T>(dh_next.data() + begin * H, m, H, Eigen::OuterStride<>(H)).noalias() =
            dzr.matrix() * recurrent_m.transpose();
      });
      std::memcpy(dh, dh_next.data(), sizeof(T) * B * H);
    }
    // The input's gradient, dz . kernel^T, written into each sequence's own rows; x time-major for the kernel's.
    ConstMatrixMap<T> kernel_m(kernel, F, G, Eigen::OuterStride<>(G));
    T* d_x = dx_out->flat<T>().data();
    in_blocks(context, S * B, kLeastRows, [&](Index begin, Index end) {
      for (Index r = begin; r < end;) {
        const Index t = r / B, b = r % B, m = std::min(end, (t + 1) * B) - r;
        MatrixMap<T>(d_x + (b * S + t) * F, m, F, Eigen::OuterStride<>(S * F)).noalias() =
            ConstMatrixMap<T>(dz_all.get() + r * G, m, G, Eigen::OuterStride<>(G)) * kernel_m.transpose();
        MatrixMap<T>(x_tm.data() + r * F, m, F, Eigen::OuterStride<>(F)) =
            ConstMatrixMap<T>(x + (b * S + t) * F, m, F, Eigen::OuterStride<>(S * F));
        r += m;
      }
    });
    // The weights' gradients over all steps at once, a block of gate columns per thread.
    T* d_bias = db_out->flat<T>().data();
    in_blocks(context, G, 64, [&](Index begin, Index end) {
      const Index cols = end - begin;
      ConstMatrixMap<T> dz_cols(dz_all.get() + begin, S * B, cols, Eigen::OuterStride<>(G));
      MatrixMap<T>(du_out->flat<T>().data() + begin, H, cols, Eigen::OuterStride<>(G)).noalias() =
          ConstMatrixMap<T>(h_prev, S * B, H, Eigen::OuterStride<>(H)).transpose() * dz_cols;
      MatrixMap<T>(dk_out->flat<T>().data() + begin, F, cols, Eigen::OuterStride<>(G)).noalias() =
          ConstMatrixMap<T>(x_tm.data(), S * B, F, Eigen::OuterStride<>(F)).transpose() * dz_cols;
      Eigen::Map<Eigen::Matrix<T, 1, Eigen::Dynamic>>(d_bias + begin, cols) = dz_cols.colwise().sum();
    });
  }
};

// HrnnAmxReady: whether this library can take the row reader's products in bfloat16 on AMX (built for a CPU with
// AMX, and Linux granted this process the tiles).
class AmxReadyOp : public OpKernel {
 public:
  explicit AmxReadyOp(OpKernelConstruction* context) : OpKernel(context) {}
  void Compute(OpKernelContext* context) override {
    Tensor* ready;
    OP_REQUIRES_OK(context, context->allocate_output(0, TensorShape({}), &ready));
    ready->scalar<bool>()() = hrnn_amx::amx_ready();
  }
};

}  // namespace

REGISTER_OP("HrnnLstmLastShared")
    .Input("inputs: T").Input("kernel: T").Input("recurrent_kernel: T").Input("bias: T")
    .Output("h_last: T").Output("order: int32").Output("counts: int32")
    .Output("x_ones: T").Output("h_prev: T").Output("c_prev: T").Output("gates: T").Output("c_tanh: T")
    .Attr("T: {float, double}")
    .Attr("bf16: bool = false")
    .SetShapeFn([](tensorflow::shape_inference::InferenceContext* c) {
      auto units = c->Dim(c->input(2), 0);
      c->set_output(0, c->Matrix(c->Dim(c->input(0), 0), units));
      for (int i = 1; i < 3; ++i) c->set_output(i, c->Vector(c->UnknownDim()));
      for (int i = 3; i < 8; ++i) c->set_output(i, c->Matrix(c->UnknownDim(), c->UnknownDim()));
      return absl::OkStatus();
    });

REGISTER_OP("HrnnLstmLastSharedGrad")
    .Input("dh_last: T").Input("kernel: T").Input("recurrent_kernel: T").Input("order: int32").Input("counts: int32")
    .Input("x_ones: T").Input("h_prev: T").Input("c_prev: T").Input("gates: T").Input("c_tanh: T")
    .Output("d_inputs: T").Output("d_kernel: T").Output("d_recurrent_kernel: T").Output("d_bias: T")
    .Attr("T: {float, double}")
    .Attr("bf16: bool = false")
    .SetShapeFn([](tensorflow::shape_inference::InferenceContext* c) {
      c->set_output(0, c->UnknownShapeOfRank(3));
      c->set_output(1, c->input(1));
      c->set_output(2, c->input(2));
      c->set_output(3, c->Vector(c->Dim(c->input(1), 1)));
      return absl::OkStatus();
    });

REGISTER_OP("HrnnLstmSequence")
    .Input("inputs: T").Input("h0: T").Input("c0: T").Input("kernel: T").Input("recurrent_kernel: T").Input("bias: T")
    .Output("h_seq: T").Output("c_last: T")
    .Output("h_prev: T").Output("c_prev: T").Output("gates: T").Output("c_tanh: T")
    .Attr("T: {float, double}")
    .SetShapeFn([](tensorflow::shape_inference::InferenceContext* c) {
      tensorflow::shape_inference::ShapeHandle x, state, recurrent;
      TF_RETURN_IF_ERROR(c->WithRank(c->input(0), 3, &x));
      TF_RETURN_IF_ERROR(c->WithRank(c->input(1), 2, &state));
      TF_RETURN_IF_ERROR(c->WithRank(c->input(4), 2, &recurrent));
      tensorflow::shape_inference::DimensionHandle batch, units = c->Dim(recurrent, 0);
      TF_RETURN_IF_ERROR(c->Merge(c->Dim(x, 0), c->Dim(state, 0), &batch));
      c->set_output(0, c->MakeShape({batch, c->Dim(x, 1), units}));
      c->set_output(1, c->Matrix(batch, units));
      for (int i = 2; i < 6; ++i) c->set_output(i, c->Matrix(c->UnknownDim(), c->UnknownDim()));
      return absl::OkStatus();
    });

REGISTER_OP("HrnnLstmSequenceGrad")
    .Input("dh_seq: T").Input("dc_last: T").Input("inputs: T").Input("kernel: T").Input("recurrent_kernel: T")
    .Input("h_prev: T").Input("c_prev: T").Input("gates: T").Input("c_tanh: T")
    .Output("d_inputs: T").Output("d_h0: T").Output("d_c0: T")
    .Output("d_kernel: T").Output("d_recurrent_kernel: T").Output("d_bias: T")
    .Attr("T: {float, double}")
    .SetShapeFn([](tensorflow::shape_inference::InferenceContext* c) {
      tensorflow::shape_inference::ShapeHandle x, kernel, recurrent;
      TF_RETURN_IF_ERROR(c->WithRank(c->input(2), 3, &x));
      TF_RETURN_IF_ERROR(c->WithRank(c->input(3), 2, &kernel));
      TF_RETURN_IF_ERROR(c->WithRank(c->input(4), 2, &recurrent));
      auto batch = c->Dim(x, 0), units = c->Dim(recurrent, 0);
      c->set_output(0, c->input(2));
      c->set_output(1, c->Matrix(batch, units));
      c->set_output(2, c->Matrix(batch, units));
      c->set_output(3, c->input(3));
      c->set_output(4, c->input(4));
      c->set_output(5, c->Vector(c->Dim(c->input(3), 1)));
      return absl::OkStatus();
    });

REGISTER_OP("HrnnAmxReady").Output("ready: bool").SetShapeFn([](tensorflow::shape_inference::InferenceContext* c) {
  c->set_output(0, c->Scalar());
  return absl::OkStatus();
});
REGISTER_KERNEL_BUILDER(Name("HrnnAmxReady").Device(tensorflow::DEVICE_CPU), AmxReadyOp);

#define HRNN_REGISTER(T)                                                                                \
  REGISTER_KERNEL_BUILDER(Name("HrnnLstmLastShared").Device(tensorflow::DEVICE_CPU).TypeConstraint<T>("T"), \
                          ForwardOp<T>);                                                                \
  REGISTER_KERNEL_BUILDER(Name("HrnnLstmLastSharedGrad").Device(tensorflow::DEVICE_CPU).TypeConstraint<T>("T"), \
                          GradOp<T>);                                                                   \
  REGISTER_KERNEL_BUILDER(Name("HrnnLstmSequence").Device(tensorflow::DEVICE_CPU).TypeConstraint<T>("T"),       \
                          SequenceOp<T>);                                                               \
  REGISTER_KERNEL_BUILDER(Name("HrnnLstmSequenceGrad").Device(tensorflow::DEVICE_CPU).TypeConstraint<T>("T"),   \
                          SequenceGradOp<T>);
HRNN_REGISTER(float)
HRNN_REGISTER(double)
