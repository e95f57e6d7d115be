// The spike behind issue 35's bfloat16 question: hrnn's three LSTM products on this CPU's AMX tiles, written by hand,
// against the Eigen float32 products that hrnn/nn/native/lstm_op.cc runs today. A standalone program (no TensorFlow at
// run time; Eigen from TensorFlow's headers), single-threaded, printing one JSON object.
//
// The products (H = 128 units, G = 4 H = 512 gate columns, m rows active in a block of a step, R rows over all steps):
//   forward:   Z  (m x G) = H     (m x H) * U   (H x G)
//   backward:  dH (m x H) = dZ    (m x G) * U^T (G x H)
//   weights:   dU (H x G) = Hprev^T (H x R) * dZall (R x G)
//
// The AMX side: C tiles of 16 x 16 float, A tiles of 16 rows x 32 bfloat16 (row-major, K contiguous), B tiles of
// 16 pair-rows x 16 columns x 2 bfloat16 (AMX's pair-interleaved "VNNI" layout), each B tile packed into 1 KiB of its
// own so a tile loads with a 64-byte stride. A block of 2 x 2 C tiles (32 rows x 32 columns) uses all eight tile
// registers: c0-c3, a0-a1, b0-b1. Rows past m are read from the zero-padded A buffer and never written back (a
// partial C tile goes through a scratch tile); K is padded with zeros to a multiple of 32; a long K runs in chunks of
// 1024 so a chunk of A and of B stays in the L2 cache, the C tiles reloaded between chunks.
//
// Every conversion the AMX path needs is timed with it and also apart: float32 -> bfloat16 rows (H, dZ), the packing
// of U and U^T (once per training step in an op), and for the weights' gradient the transposed conversion of Hprev and
// the pair-interleaved packing of dZall. Rounding: to nearest even (AVX512-BF16's vcvtne2ps2bf16).
//
// Usage: amx_products [--counts FILE] [--recurrent FILE] [--rounds N] [--min-ms MS] [--sizes 32,150,315,630]
//   --counts: the active rows of each step of a row-reader batch, whitespace-separated (the driver, run.py, makes it
//             from MNIST); without it a made-up ramp from 30 to 630 rows is used.
//   --recurrent: U as 128 x 512 raw little-endian float32 (the shipped model's recurrent kernel); else random.

#include <Eigen/Core>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "amx_kernel.h"

namespace {

constexpr int kUnits = 128, kGates = 4 * kUnits;

template <class T>
using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T>
using MatrixMap = Eigen::Map<Matrix<T>, 0, Eigen::OuterStride<>>;
template <class T>
using ConstMatrixMap = Eigen::Map<const Matrix<T>, 0, Eigen::OuterStride<>>;

using namespace amx_spike;

// ---- the three products, both ways -------------------------------------------------------------------------------

// The op's Eigen products, written as lstm_op.cc writes them.
void eigen_forward(const float* h, int m, const float* u, float* z) {
  MatrixMap<float>(z, m, kGates, Eigen::OuterStride<>(kGates)).noalias() =
      ConstMatrixMap<float>(h, m, kUnits, Eigen::OuterStride<>(kUnits)) *
      ConstMatrixMap<float>(u, kUnits, kGates, Eigen::OuterStride<>(kGates));
}
void eigen_backward(const float* dz, int m, const float* u, float* dh) {
  MatrixMap<float>(dh, m, kUnits, Eigen::OuterStride<>(kUnits)).noalias() =
      ConstMatrixMap<float>(dz, m, kGates, Eigen::OuterStride<>(kGates)) *
      ConstMatrixMap<float>(u, kUnits, kGates, Eigen::OuterStride<>(kGates)).transpose();
}
void eigen_weights(const float* h_prev, const float* dz_all, int r, float* du) {
  MatrixMap<float>(du, kUnits, kGates, Eigen::OuterStride<>(kGates)).noalias() =
      ConstMatrixMap<float>(h_prev, r, kUnits, Eigen::OuterStride<>(kUnits)).transpose() *
      ConstMatrixMap<float>(dz_all, r, kGates, Eigen::OuterStride<>(kGates));
}

// The AMX side's working memory for one product shape.
struct AmxForward {  // Z = H U: H converted per call, U packed once per training step
  Buffer<bf16> h16, u_packed{size_t(kUnits) * kGates};
  explicit AmxForward(int m) : h16(size_t(round_up(m, 16)) * kUnits) {}
  void pack(const float* u) { pack_pairs(u, kUnits, kGates, kGates, u_packed.data); }
  void convert(const float* h, int m) { convert_rows(h, m, kUnits, kUnits, h16.data, kUnits); }
  void multiply(int m, float* z) { amx_product(h16.data, kUnits, m, kUnits, u_packed.data, kGates, z, kGates); }
};
struct AmxBackward {  // dH = dZ U^T: dZ converted per call, U^T packed once per training step
  Buffer<bf16> dz16, ut_packed{size_t(kUnits) * kGates};
  explicit AmxBackward(int m) : dz16(size_t(round_up(m, 16)) * kGates) {}
  void pack(const float* u) { pack_pairs_transposed(u, kUnits, kGates, kGates, ut_packed.data); }
  void convert(const float* dz, int m) { convert_rows(dz, m, kGates, kGates, dz16.data, kGates); }
  void multiply(int m, float* dh) { amx_product(dz16.data, kGates, m, kGates, ut_packed.data, kUnits, dh, kUnits); }
};
struct AmxWeights {  // dU = Hprev^T dZall: Hprev transposed and converted, dZall packed, per call
  int r, rp;
  Buffer<bf16> ht16, dz_packed;
  explicit AmxWeights(int rows)
      : r(rows), rp(round_up(rows, 32)), ht16(size_t(kUnits) * rp), dz_packed(size_t(rp) * kGates) {}
  void convert_h(const float* h_prev) { convert_transposed(h_prev, r, kUnits, kUnits, ht16.data, rp); }
  void pack_dz(const float* dz_all) { pack_pairs(dz_all, r, kGates, kGates, dz_packed.data); }
  void multiply(float* du) { amx_product(ht16.data, rp, kUnits, rp, dz_packed.data, kGates, du, kGates); }
};
// The same product in chunks of 1024 of the R rows (weights_product): each chunk's Hprev^T and dZall are converted
// into buffers that stay in the L2 cache, then multiplied into dU, so the bfloat16 copies never go to memory.
struct AmxWeightsChunked {
  int r;
  Buffer<bf16> ht16, dz_packed;
  explicit AmxWeightsChunked(int rows) : r(rows) {}
  void run(const float* h_prev, const float* dz_all, float* du) {
    weights_product(h_prev, r, kUnits, dz_all, kGates, kGates, du, kGates, ht16, dz_packed);
  }
};

// ---- measuring ---------------------------------------------------------------------------------------------------

double now_us() {
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double median(std::vector<double> v) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

struct Way {
  std::string name;
  std::function<void()> call;
  std::vector<double> times_us, round_medians_us;
};

// Each way called in turn, round after round (the order reversed every other round), `calls` times a round; a
// round's calls of a way are timed one by one.
void measure(std::vector<Way>& ways, int rounds, int calls) {
  for (auto& w : ways) w.call();  // warm up: caches, page faults
  for (int r = 0; r < rounds; ++r)
    for (size_t i = 0; i < ways.size(); ++i) {
      Way& w = ways[r % 2 ? ways.size() - 1 - i : i];
      std::vector<double> times;
      for (int c = 0; c < calls; ++c) {
        const double t0 = now_us();
        w.call();
        times.push_back(now_us() - t0);
      }
      w.round_medians_us.push_back(median(times));
      w.times_us.insert(w.times_us.end(), times.begin(), times.end());
    }
}

// How many calls make a round of about min_ms for the slowest way (at least 3).
int calls_for(std::vector<Way>& ways, double min_ms) {
  double slowest = 0;
  for (auto& w : ways) {
    const double t0 = now_us();
    w.call();
    slowest = std::max(slowest, now_us() - t0);
  }
  return std::max(3, int(min_ms * 1e3 / std::max(slowest, 1.0)));
}

std::string json_ways(const std::vector<Way>& ways) {
  std::ostringstream out;
  out << "{";
  for (size_t i = 0; i < ways.size(); ++i) {
    const Way& w = ways[i];
    auto [lo, hi] = std::minmax_element(w.round_medians_us.begin(), w.round_medians_us.end());
    out << (i ? ", " : "") << "\"" << w.name << "\": {\"median_us\": " << median(w.times_us)
        << ", \"round_median_min_us\": " << *lo << ", \"round_median_max_us\": " << *hi
        << ", \"calls\": " << w.times_us.size() << "}";
  }
  out << "}";
  return out.str();
}

// Max abs error and relative 2-norm error of `got` against the float64 reference.
std::string json_error(const float* got, const Matrix<double>& ref, int ld) {
  double worst = 0, diff2 = 0, ref2 = 0;
  for (Index i = 0; i < ref.rows(); ++i)
    for (Index j = 0; j < ref.cols(); ++j) {
      const double d = double(got[i * ld + j]) - ref(i, j);
      worst = std::max(worst, std::abs(d));
      diff2 += d * d;
      ref2 += ref(i, j) * ref(i, j);
    }
  std::ostringstream out;
  out << "{\"max_abs\": " << worst << ", \"rel_2norm\": " << std::sqrt(diff2 / ref2)
      << ", \"ref_max_abs\": " << ref.cwiseAbs().maxCoeff() << "}";
  return out.str();
}

std::vector<float> random_values(size_t n, float scale, bool uniform, uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> u(-scale, scale);
  std::normal_distribution<float> g(0.0f, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = uniform ? u(gen) : g(gen);
  return v;
}

Matrix<double> as_double(const float* p, Index rows, Index cols) {
  return ConstMatrixMap<float>(p, rows, cols, Eigen::OuterStride<>(cols)).cast<double>();
}

// The op's split of a step's active rows over TensorFlow's pool of `threads` (in_blocks in lstm_op.cc).
std::vector<std::pair<int, int>> blocks_of(int total, int threads) {
  const int least = 32, block = std::max(least, (total + threads - 1) / threads);
  std::vector<std::pair<int, int>> out;
  for (int b = 0; b < total; b += block) out.emplace_back(b, std::min(total, b + block));
  return out;
}

std::vector<int> read_ints(const std::string& path) {
  std::ifstream in(path);
  std::vector<int> v;
  for (int x; in >> x;) v.push_back(x);
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  std::string counts_path, recurrent_path;
  int rounds = 7;
  double min_ms = 20;
  std::vector<int> sizes = {32, 150, 315, 630};
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i], value = argv[i + 1];
    if (key == "--counts") counts_path = value;
    else if (key == "--recurrent") recurrent_path = value;
    else if (key == "--rounds") rounds = std::stoi(value);
    else if (key == "--min-ms") min_ms = std::stod(value);
    else if (key == "--sizes") {
      sizes.clear();
      std::stringstream ss(value);
      for (std::string s; std::getline(ss, s, ',');) sizes.push_back(std::stoi(s));
    } else {
      std::fprintf(stderr, "unknown option %s\n", key.c_str());
      return 2;
    }
  }
  const std::string denied = request_amx();
  if (!denied.empty()) {
    std::printf("{\"amx\": false, \"error\": \"%s\"}\n", denied.c_str());
    return 1;
  }
  configure_tiles();

  // Active rows per step: the driver's real batch, else a ramp from 30 to 630 over 28 steps.
  std::vector<int> counts = counts_path.empty() ? std::vector<int>() : read_ints(counts_path);
  if (counts.empty())
    for (int t = 0; t < 28; ++t) counts.push_back(30 + 600 * t / 27);
  int total_rows = 0, most = 0;
  for (int c : counts) total_rows += c, most = std::max(most, c);
  for (int m : sizes) most = std::max(most, m);

  std::vector<float> u = random_values(size_t(kUnits) * kGates, 0.09f, false, 1);
  if (!recurrent_path.empty()) {
    std::ifstream in(recurrent_path, std::ios::binary);
    in.read(reinterpret_cast<char*>(u.data()), std::streamsize(u.size() * sizeof(float)));
    if (!in) {
      std::fprintf(stderr, "cannot read 128 x 512 float32 from %s\n", recurrent_path.c_str());
      return 2;
    }
  }
  // Hidden states in (-1, 1) as an LSTM's are; gate gradients centred, of an arbitrary scale (errors are relative).
  std::vector<float> h_all = random_values(size_t(total_rows) * kUnits, 0.9f, true, 2);
  std::vector<float> dz_all = random_values(size_t(total_rows) * kGates, 1e-3f, false, 3);
  Buffer<float> out32(size_t(std::max(most, kUnits)) * kGates), out16(size_t(std::max(most, kUnits)) * kGates);

  std::ostringstream json;
  json << "{\"amx\": true, \"counts\": [";
  for (size_t t = 0; t < counts.size(); ++t) json << (t ? ", " : "") << counts[t];
  json << "], \"rows_total\": " << total_rows << ", \"rounds\": " << rounds << ", \"products\": [";

  // Packing U and U^T: once per training step in an op.
  AmxForward pack_fwd(kUnits);
  AmxBackward pack_bwd(kUnits);
  {
    std::vector<Way> ways = {{"pack_u", [&] { pack_fwd.pack(u.data()); }, {}, {}},
                             {"pack_ut", [&] { pack_bwd.pack(u.data()); }, {}, {}}};
    measure(ways, rounds, calls_for(ways, min_ms));
    json << "{\"product\": \"pack\", \"times\": " << json_ways(ways) << "}";
  }
  const Matrix<double> u64 = as_double(u.data(), kUnits, kGates);

  for (int m : sizes) {
    // forward
    AmxForward fwd(m);
    fwd.pack(u.data());
    const float* h = h_all.data();
    std::vector<Way> ways = {
        {"eigen_f32", [&] { eigen_forward(h, m, u.data(), out32.data); }, {}, {}},
        {"amx_convert", [&] { fwd.convert(h, m); }, {}, {}},
        {"amx_kernel", [&] { fwd.multiply(m, out16.data); }, {}, {}},
        {"amx_total", [&] { fwd.convert(h, m), fwd.multiply(m, out16.data); }, {}, {}},
    };
    measure(ways, rounds, calls_for(ways, min_ms));
    eigen_forward(h, m, u.data(), out32.data);
    fwd.convert(h, m);
    fwd.multiply(m, out16.data);
    Matrix<double> ref = as_double(h, m, kUnits) * u64;
    json << ", {\"product\": \"forward\", \"m\": " << m << ", \"times\": " << json_ways(ways)
         << ", \"error_f32\": " << json_error(out32.data, ref, kGates)
         << ", \"error_bf16\": " << json_error(out16.data, ref, kGates) << "}";

    // backward
    AmxBackward bwd(m);
    bwd.pack(u.data());
    const float* dz = dz_all.data();
    std::vector<Way> back = {
        {"eigen_f32", [&] { eigen_backward(dz, m, u.data(), out32.data); }, {}, {}},
        {"amx_convert", [&] { bwd.convert(dz, m); }, {}, {}},
        {"amx_kernel", [&] { bwd.multiply(m, out16.data); }, {}, {}},
        {"amx_total", [&] { bwd.convert(dz, m), bwd.multiply(m, out16.data); }, {}, {}},
    };
    measure(back, rounds, calls_for(back, min_ms));
    eigen_backward(dz, m, u.data(), out32.data);
    bwd.convert(dz, m);
    bwd.multiply(m, out16.data);
    ref = as_double(dz, m, kGates) * u64.transpose();
    json << ", {\"product\": \"backward\", \"m\": " << m << ", \"times\": " << json_ways(back)
         << ", \"error_f32\": " << json_error(out32.data, ref, kUnits)
         << ", \"error_bf16\": " << json_error(out16.data, ref, kUnits) << "}";
  }

  // The weights' gradient over the batch's R rows.
  {
    const int r = total_rows;
    AmxWeights wts(r);
    AmxWeightsChunked chunked(r);
    std::vector<Way> ways = {
        {"eigen_f32", [&] { eigen_weights(h_all.data(), dz_all.data(), r, out32.data); }, {}, {}},
        {"amx_convert_h", [&] { wts.convert_h(h_all.data()); }, {}, {}},
        {"amx_pack_dz", [&] { wts.pack_dz(dz_all.data()); }, {}, {}},
        {"amx_kernel", [&] { wts.multiply(out16.data); }, {}, {}},
        {"amx_total", [&] { wts.convert_h(h_all.data()), wts.pack_dz(dz_all.data()), wts.multiply(out16.data); }, {}, {}},
        {"amx_total_chunked", [&] { chunked.run(h_all.data(), dz_all.data(), out16.data); }, {}, {}},
    };
    measure(ways, std::max(3, rounds / 2), calls_for(ways, min_ms));
    eigen_weights(h_all.data(), dz_all.data(), r, out32.data);
    wts.convert_h(h_all.data());
    wts.pack_dz(dz_all.data());
    wts.multiply(out16.data);
    const Matrix<double> ref = as_double(h_all.data(), r, kUnits).transpose() * as_double(dz_all.data(), r, kGates);
    json << ", {\"product\": \"weights\", \"R\": " << r << ", \"times\": " << json_ways(ways)
         << ", \"error_f32\": " << json_error(out32.data, ref, kGates)
         << ", \"error_bf16\": " << json_error(out16.data, ref, kGates);
    chunked.run(h_all.data(), dz_all.data(), out16.data);
    json << ", \"error_bf16_chunked\": " << json_error(out16.data, ref, kGates) << "}";
  }
  json << "]";

  // A training step's products as the op runs them: each step's rows in the op's blocks for 2 threads, forward and
  // backward, then the weights' gradient. Per call: every product's time (CPU, one thread) and a wall estimate for
  // two threads (per step the slower block; the weights' gradient split in two column halves, as the op does).
  {
    const int threads = 2;
    AmxForward fwd(most);
    AmxBackward bwd(most);
    AmxWeightsChunked wts(total_rows);
    Buffer<float> du(size_t(kUnits) * kGates);
    struct Totals {
      std::vector<double> cpu, wall;
    } eigen_t, amx_t;
    auto run = [&](bool amx, Totals& into) {
      double cpu = 0, wall = 0;
      if (amx) {
        const double t0 = now_us();
        fwd.pack(u.data());
        bwd.pack(u.data());
        const double dt = now_us() - t0;
        cpu += dt, wall += dt;
      }
      for (int pass = 0; pass < 2; ++pass)
        for (size_t t = 0, row0 = 0; t < counts.size(); row0 += counts[t], ++t) {
          double slowest = 0;
          for (auto [b, e] : blocks_of(counts[t], threads)) {
            const int m = e - b;
            const double t0 = now_us();
            if (pass == 0) {
              const float* h = h_all.data() + (row0 + b) * kUnits;
              if (amx) fwd.convert(h, m), fwd.multiply(m, out16.data);
              else eigen_forward(h, m, u.data(), out32.data);
            } else {
              const float* dz = dz_all.data() + (row0 + b) * kGates;
              if (amx) bwd.convert(dz, m), bwd.multiply(m, out16.data);
              else eigen_backward(dz, m, u.data(), out32.data);
            }
            const double dt = now_us() - t0;
            cpu += dt, slowest = std::max(slowest, dt);
          }
          wall += slowest;
        }
      const double t0 = now_us();
      if (amx) wts.run(h_all.data(), dz_all.data(), du.data);
      else eigen_weights(h_all.data(), dz_all.data(), total_rows, du.data);
      const double dt = now_us() - t0;
      cpu += dt, wall += dt / threads;
      into.cpu.push_back(cpu / 1e3), into.wall.push_back(wall / 1e3);
    };
    run(false, eigen_t), run(true, amx_t);  // warm up
    eigen_t = {}, amx_t = {};
    const int calls = std::max(rounds * 3, 9);
    for (int c = 0; c < calls; ++c) {
      if (c % 2) run(true, amx_t), run(false, eigen_t);
      else run(false, eigen_t), run(true, amx_t);
    }
    auto stats = [](const std::vector<double>& v) {
      std::ostringstream o;
      o << "{\"median_ms\": " << median(v) << ", \"min_ms\": " << *std::min_element(v.begin(), v.end())
        << ", \"max_ms\": " << *std::max_element(v.begin(), v.end()) << "}";
      return o.str();
    };
    json << ", \"step\": {\"threads\": " << threads << ", \"calls\": " << calls
         << ", \"eigen_f32\": {\"cpu\": " << stats(eigen_t.cpu) << ", \"wall_estimate\": " << stats(eigen_t.wall) << "}"
         << ", \"amx_bf16\": {\"cpu\": " << stats(amx_t.cpu) << ", \"wall_estimate\": " << stats(amx_t.wall) << "}}";
  }
  json << "}";
  _tile_release();
  std::printf("%s\n", json.str().c_str());
  return 0;
}
