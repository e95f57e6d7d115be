// One step of hrnn's row reader, forward and backward, in C++: the spike of issue 35.
//
// It computes what hrnn.nn.layers.lstm_last_state_shared_prefix computes with its gradient: the last hidden state
// of an LSTM run from a zero state over each of n sequences, where the steps that sequences share (every step
// before a sequence's first non-zero input gives the state of an all-zero sequence) run once, on one "trajectory"
// row that the other rows join at their first non-zero step. Sorted by that step, the rows active at step t are
// a prefix of the batch. Gates are laid out as Keras does (i, f, c, o); matrices are row-major.
//
// The matrix products go through one of three libraries, chosen when compiling:
//   SPIKE_EIGEN: the Eigen that TensorFlow's headers carry (its own GEMM, parallel with OpenMP);
//   SPIKE_MKL:   oneMKL's cblas_sgemm, and cblas_gemm_bf16bf16f32 for bfloat16 products (AMX where the CPU has it);
//   SPIKE_DNNL:  oneDNN's dnnl_sgemm.
// Everything else (the gate arithmetic, fused in one pass per step) is plain C++ parallelised with OpenMP.

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#if defined(SPIKE_EIGEN)
#include <Eigen/Core>
#elif defined(SPIKE_MKL)
#include <mkl.h>
#elif defined(SPIKE_DNNL)
#include <oneapi/dnnl/dnnl.h>
#else
#error "define SPIKE_EIGEN, SPIKE_MKL or SPIKE_DNNL"
#endif

namespace {

using bf16 = uint16_t;

// C (m x n) = op(A) op(B) + beta C, row-major; op(A) is (m x k), op(B) is (k x n).
void gemm(bool trans_a, bool trans_b, int m, int n, int k, const float* a, int lda, const float* b, int ldb, float beta,
          float* c, int ldc) {
  if (m == 0 || n == 0) return;
#if defined(SPIKE_EIGEN)
  using Mat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using Stride = Eigen::OuterStride<>;
  Eigen::Map<Mat, 0, Stride> cm(c, m, n, Stride(ldc));
  Eigen::Map<const Mat, 0, Stride> am(a, trans_a ? k : m, trans_a ? m : k, Stride(lda));
  Eigen::Map<const Mat, 0, Stride> bm(b, trans_b ? n : k, trans_b ? k : n, Stride(ldb));
  if (beta == 0.0f) cm.setZero();
  if (trans_a && trans_b) cm.noalias() += am.transpose() * bm.transpose();
  else if (trans_a) cm.noalias() += am.transpose() * bm;
  else if (trans_b) cm.noalias() += am * bm.transpose();
  else cm.noalias() += am * bm;
#elif defined(SPIKE_MKL)
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, m, n, k, 1.0f,
              a, lda, b, ldb, beta, c, ldc);
#else
  dnnl_sgemm(trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', m, n, k, 1.0f, a, lda, b, ldb, beta, c, ldc);
#endif
}

// The same with bfloat16 factors and a float32 result; false where the library has no such product.
bool gemm_bf16(bool trans_a, bool trans_b, int m, int n, int k, const bf16* a, int lda, const bf16* b, int ldb,
               float beta, float* c, int ldc) {
#if defined(SPIKE_MKL)
  if (m == 0 || n == 0) return true;
  cblas_gemm_bf16bf16f32(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, m, n,
                         k, 1.0f, a, lda, b, ldb, beta, c, ldc);
  return true;
#else
  (void)trans_a, (void)trans_b, (void)m, (void)n, (void)k, (void)a, (void)lda, (void)b, (void)ldb, (void)beta;
  (void)c, (void)ldc;
  return false;
#endif
}

// float32 -> bfloat16, rounding to nearest even (inputs here are finite).
inline bf16 to_bf16(float v) {
  uint32_t u;
  std::memcpy(&u, &v, 4);
  u += 0x7FFFu + ((u >> 16) & 1u);
  return static_cast<bf16>(u >> 16);
}

void convert(const float* src, bf16* dst, int64_t count) {
#pragma omp parallel for schedule(static) if (count > 16384)
  for (int64_t i = 0; i < count; ++i) dst[i] = to_bf16(src[i]);
}

// The argument is clamped so that exp stays finite: -ffast-math's reciprocal (an estimate and a Newton step) gives
// NaN for an infinite denominator. Beyond |v| = 80 the result is 1 or below 2e-35 either way.
inline float sigmoid(float v) { return 1.0f / (1.0f + std::exp(-std::min(std::max(v, -80.0f), 80.0f))); }

// Buffers kept between calls, so that the timed calls allocate nothing.
struct Workspace {
  std::vector<float> h_prev, c_prev, gates, c_tanh, x_rows, dz, dh, dc, dh_prev, d_sorted, h, c, u_t;
  std::vector<bf16> h_prev16, dz16, u16, ut16;
  std::vector<int> first, order, counts, offset;
};
Workspace ws;

template <class T>
T* sized(std::vector<T>& v, size_t n) {
  if (v.size() < n) v.resize(n);
  return v.data();
}

}  // namespace

extern "C" {

// Which library this build multiplies with: 0 Eigen, 1 oneMKL, 2 oneDNN.
int spike_backend() {
#if defined(SPIKE_EIGEN)
  return 0;
#elif defined(SPIKE_MKL)
  return 1;
#else
  return 2;
#endif
}

// Forward and backward of lstm_last_state_shared_prefix.
//   x (n, steps, features); kernel (features, 4 units); recurrent (units, 4 units); bias (4 units);
//   dh_last (n, units): the loss's gradient with respect to the output.
// Writes h_last (n, units), d_x (n, steps, features; zero where the computation is shared), d_kernel, d_recurrent,
// d_bias. use_bf16: the recurrent and weight-gradient products in bfloat16 (float32 accumulation).
// Returns 0, or -1 if this build has no bfloat16 products.
int spike_step(int n, int steps, int features, int units, const float* x, const float* kernel, const float* recurrent,
               const float* bias, const float* dh_last, float* h_last, float* d_x, float* d_kernel, float* d_recurrent,
               float* d_bias, int use_bf16, int threads) {
  omp_set_num_threads(threads);
#if defined(SPIKE_EIGEN)
  Eigen::setNbThreads(threads);
#elif defined(SPIKE_MKL)
  mkl_set_num_threads(threads);
#endif
  const int H = units, G = 4 * units, F = features, T = steps, N1 = n + 1;
  if (use_bf16 && !gemm_bf16(false, false, 0, 0, 0, nullptr, 1, nullptr, 1, 0.0f, nullptr, 1)) return -1;

  // Each sequence's first non-zero step (T if none); the trajectory (row n) is active from the start.
  std::vector<int>& first_by_row = ws.first;
  first_by_row.assign(N1, T);
  for (int s = 0; s < n; ++s) {
    const float* xs = x + int64_t(s) * T * F;
    for (int i = 0; i < T * F; ++i)
      if (xs[i] != 0.0f) {
        first_by_row[s] = i / F;
        break;
      }
  }
  first_by_row[n] = -1;
  // A stable counting sort by first step: order[k] is the row at sorted position k.
  int* counts = sized(ws.counts, T + 2);  // counts[t + 1]: active at step t; counts[0] = 1 (the trajectory)
  std::fill(counts, counts + T + 2, 0);
  for (int s = 0; s < N1; ++s) counts[first_by_row[s] + 1]++;  // histogram, index 0 is the trajectory
  std::vector<int> start(T + 2);
  for (int t = 0, acc = 0; t < T + 2; ++t) start[t] = acc, acc += counts[t];
  int* order = sized(ws.order, N1);
  for (int s = 0; s < N1; ++s) order[start[first_by_row[s] + 1]++] = s;
  for (int t = 1; t < T + 2; ++t) counts[t] += counts[t - 1];  // cumulative: counts[t] active through step t - 1
  // Row offsets of each step's block in the saved buffers.
  int* offset = sized(ws.offset, T + 1);
  offset[0] = 0;
  for (int t = 0; t < T; ++t) offset[t + 1] = offset[t] + counts[t + 1];
  const int64_t R = offset[T];

  float* h_prev = sized(ws.h_prev, R * H);
  float* c_prev = sized(ws.c_prev, R * H);
  float* gates = sized(ws.gates, R * G);
  float* c_tanh = sized(ws.c_tanh, R * H);
  float* x_rows = sized(ws.x_rows, R * F);
  float* h = sized(ws.h, int64_t(N1) * H);
  float* c = sized(ws.c, int64_t(N1) * H);
  bf16 *h_prev16 = nullptr, *u16 = nullptr, *ut16 = nullptr;
  if (use_bf16) {
    h_prev16 = sized(ws.h_prev16, R * H);
    u16 = sized(ws.u16, int64_t(H) * G);
    convert(recurrent, u16, int64_t(H) * G);
  }
  std::fill(h, h + H, 0.0f);
  std::fill(c, c + H, 0.0f);

  // Forward.
  for (int t = 0; t < T; ++t) {
    const int before = counts[t], active = counts[t + 1];
    float* hp = h_prev + int64_t(offset[t]) * H;
    float* cp = c_prev + int64_t(offset[t]) * H;
    float* z = gates + int64_t(offset[t]) * G;
    float* xr = x_rows + int64_t(offset[t]) * F;
    std::memcpy(hp, h, sizeof(float) * before * H);
    std::memcpy(cp, c, sizeof(float) * before * H);
    for (int r = before; r < active; ++r) {  // joiners start from the trajectory's state
      std::memcpy(hp + int64_t(r) * H, h, sizeof(float) * H);
      std::memcpy(cp + int64_t(r) * H, c, sizeof(float) * H);
    }
    for (int r = 0; r < active; ++r) {  // the trajectory (row n) reads zeros
      if (order[r] < n) std::memcpy(xr + int64_t(r) * F, x + (int64_t(order[r]) * T + t) * F, sizeof(float) * F);
      else std::fill(xr + int64_t(r) * F, xr + int64_t(r + 1) * F, 0.0f);
    }
    if (use_bf16) {
      bf16* hp16 = h_prev16 + int64_t(offset[t]) * H;
      convert(hp, hp16, int64_t(active) * H);
      gemm_bf16(false, false, active, G, H, hp16, H, u16, G, 0.0f, z, G);
    } else {
      gemm(false, false, active, G, H, hp, H, recurrent, G, 0.0f, z, G);
    }
#pragma omp parallel for schedule(static)
    for (int r = 0; r < active; ++r) {
      float* zr = z + int64_t(r) * G;
      const float* xv = xr + int64_t(r) * F;
#pragma omp simd
      for (int j = 0; j < G; ++j) zr[j] += bias[j];
      for (int f = 0; f < F; ++f) {  // the input's share: one pixel per step here
        const float xf = xv[f];
        const float* kf = kernel + int64_t(f) * G;
#pragma omp simd
        for (int j = 0; j < G; ++j) zr[j] += xf * kf[j];
      }
      float *zi = zr, *zf = zr + H, *zg = zr + 2 * H, *zo = zr + 3 * H;
      const float* cpr = cp + int64_t(r) * H;
      float* hr = h + int64_t(r) * H;
      float* cr = c + int64_t(r) * H;
      float* tcr = c_tanh + (int64_t(offset[t]) + r) * H;
#pragma omp simd
      for (int j = 0; j < H; ++j) {
        const float i = sigmoid(zi[j]), f = sigmoid(zf[j]), g = std::tanh(zg[j]), o = sigmoid(zo[j]);
        const float cn = f * cpr[j] + i * g, tc = std::tanh(cn);
        zi[j] = i, zf[j] = f, zg[j] = g, zo[j] = o;
        cr[j] = cn, tcr[j] = tc, hr[j] = o * tc;
      }
    }
  }
  // Outputs: rows that never joined end in the trajectory's state.
  const int last_active = counts[T];
  for (int k = 0; k < N1; ++k) {
    const int s = order[k];
    if (s < n) std::memcpy(h_last + int64_t(s) * H, h + int64_t(k < last_active ? k : 0) * H, sizeof(float) * H);
  }

  // Backward.
  float* dz_all = sized(ws.dz, R * G);
  float* dh = sized(ws.dh, int64_t(N1) * H);
  float* dc = sized(ws.dc, int64_t(N1) * H);
  float* dhp = sized(ws.dh_prev, int64_t(N1) * H);
  float* d_sorted = sized(ws.d_sorted, int64_t(N1) * T * F);
  std::fill(d_sorted, d_sorted + int64_t(N1) * T * F, 0.0f);
  bf16* dz16 = nullptr;
  if (use_bf16) dz16 = sized(ws.dz16, R * G);
  // Each sequence's gradient goes to its row; rows that never joined give theirs to the trajectory (row 0).
  std::fill(dh, dh + int64_t(last_active) * H, 0.0f);
  for (int k = 0; k < N1; ++k) {
    const int s = order[k];
    if (s == n) continue;  // the trajectory is no sequence of the batch
    const float* src = dh_last + int64_t(s) * H;
    float* dst = dh + int64_t(k < last_active ? k : 0) * H;
    for (int j = 0; j < H; ++j) dst[j] += src[j];
  }
  std::fill(dc, dc + int64_t(last_active) * H, 0.0f);
  for (int t = T - 1; t >= 0; --t) {
    const int before = counts[t], active = counts[t + 1];
    const float* g4 = gates + int64_t(offset[t]) * G;
    const float* cp = c_prev + int64_t(offset[t]) * H;
    const float* tcs = c_tanh + int64_t(offset[t]) * H;
    float* dz = dz_all + int64_t(offset[t]) * G;
#pragma omp parallel for schedule(static)
    for (int r = 0; r < active; ++r) {
      const float *gi = g4 + int64_t(r) * G, *gf = gi + H, *gg = gi + 2 * H, *go = gi + 3 * H;
      const float* cpr = cp + int64_t(r) * H;
      const float* tc = tcs + int64_t(r) * H;
      float* dhr = dh + int64_t(r) * H;
      float* dcr = dc + int64_t(r) * H;
      float* dzr = dz + int64_t(r) * G;
#pragma omp simd
      for (int j = 0; j < H; ++j) {
        const float i = gi[j], f = gf[j], g = gg[j], o = go[j];
        const float dcn = dcr[j] + dhr[j] * o * (1.0f - tc[j] * tc[j]);
        dzr[j] = dcn * g * i * (1.0f - i);
        dzr[H + j] = dcn * cpr[j] * f * (1.0f - f);
        dzr[2 * H + j] = dcn * i * (1.0f - g * g);
        dzr[3 * H + j] = dhr[j] * tc[j] * o * (1.0f - o);
        dcr[j] = dcn * f;  // the gradient with respect to the previous cell state
      }
      float* dxr = d_sorted + (int64_t(r) * T + t) * F;  // the input's gradient: dz . kernel^T
      for (int f = 0; f < F; ++f) {
        const float* kf = kernel + int64_t(f) * G;
        float acc = 0.0f;
#pragma omp simd reduction(+ : acc)
        for (int j = 0; j < G; ++j) acc += dzr[j] * kf[j];
        dxr[f] = acc;
      }
    }
    if (use_bf16) {
      bf16* d16 = dz16 + int64_t(offset[t]) * G;
      convert(dz, d16, int64_t(active) * G);
      gemm_bf16(false, true, active, H, G, d16, G, u16, G, 0.0f, dhp, H);
    } else {
      gemm(false, true, active, H, G, dz, G, recurrent, G, 0.0f, dhp, H);
    }
    // Rows that joined at this step hand their gradient to the trajectory (row 0).
    std::memcpy(dh, dhp, sizeof(float) * int64_t(before) * H);
    for (int r = before; r < active; ++r) {
      const float* src_h = dhp + int64_t(r) * H;
      const float* src_c = dc + int64_t(r) * H;
      for (int j = 0; j < H; ++j) dh[j] += src_h[j], dc[j] += src_c[j];
    }
  }
  // The weights' gradients over all steps at once.
  if (use_bf16) gemm_bf16(true, false, H, G, int(R), h_prev16, H, dz16, G, 0.0f, d_recurrent, G);
  else gemm(true, false, H, G, int(R), h_prev, H, dz_all, G, 0.0f, d_recurrent, G);
  std::fill(d_kernel, d_kernel + int64_t(F) * G, 0.0f);
  std::fill(d_bias, d_bias + G, 0.0f);
  const int nt = threads;
  std::vector<float> partial(int64_t(nt) * (F + 1) * G, 0.0f);
#pragma omp parallel num_threads(nt)
  {
    float* mine = partial.data() + int64_t(omp_get_thread_num()) * (F + 1) * G;
#pragma omp for schedule(static)
    for (int64_t r = 0; r < R; ++r) {
      const float* dzr = dz_all + r * G;
      const float* xr = x_rows + r * F;
#pragma omp simd
      for (int j = 0; j < G; ++j) mine[j] += dzr[j];
      for (int f = 0; f < F; ++f) {
        float* dk = mine + int64_t(f + 1) * G;
        const float xv = xr[f];
#pragma omp simd
        for (int j = 0; j < G; ++j) dk[j] += xv * dzr[j];
      }
    }
  }
  for (int p = 0; p < nt; ++p) {
    const float* mine = partial.data() + int64_t(p) * (F + 1) * G;
    for (int j = 0; j < G; ++j) d_bias[j] += mine[j];
    for (int64_t i = 0; i < int64_t(F) * G; ++i) d_kernel[i] += mine[G + i];
  }
  for (int k = 0; k < N1; ++k)
    if (order[k] < n)
      std::memcpy(d_x + int64_t(order[k]) * T * F, d_sorted + int64_t(k) * T * F, sizeof(float) * T * F);
  return 0;
}
}
