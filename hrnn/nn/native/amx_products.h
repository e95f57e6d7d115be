// bfloat16 products on AMX for hrnn's LSTM ops (issue 35), from the spike in measure/amx_spike/ (design, figures and
// numerics in its README): float32 factors converted to bfloat16 (round to nearest even, AVX512-BF16), the right
// factor packed into AMX's pair-interleaved tiles, products accumulated in float32 tiles.
//
// Used for the row reader's three large products (the recurrent product forward and backward, the recurrent
// kernel's gradient) when the op is asked for bfloat16 products (its `bf16` attribute), the library was built for a
// CPU with AMX (-march=native defines __AMX_TILE__, __AMX_BF16__ and __AVX512BF16__) and Linux grants the tiles.
// Each hook answers false, and the caller runs Eigen's float32 product, for double, for shapes it does not handle,
// or where any of that does not hold. Each call loads the tile configuration on the thread that runs it (TensorFlow's
// pool threads) and releases the tiles after.

#pragma once

#if defined(__AMX_TILE__) && defined(__AMX_BF16__) && defined(__AVX512BF16__)

#include <type_traits>
#include <immintrin.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

namespace hrnn_amx {

using bf16 = uint16_t;
using Index = std::ptrdiff_t;
constexpr int kTileBf16 = 512;    // bfloat16 values in one 1 KiB tile
constexpr int kChunkKTiles = 32;  // K chunk: 32 tiles of 32 = 1024

// A 64-byte aligned, zero-filled array that owns its memory.
template <class T>
struct Buffer {
  T* data = nullptr;
  size_t size = 0;
  explicit Buffer(size_t n = 0) { resize(n); }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  ~Buffer() { std::free(data); }
  void resize(size_t n) {
    std::free(data);
    size = n;
    const size_t bytes = std::max<size_t>(64, (n * sizeof(T) + 63) / 64 * 64);
    data = static_cast<T*>(std::aligned_alloc(64, bytes));
    std::memset(data, 0, bytes);
  }
  T& operator[](size_t i) { return data[i]; }
  const T& operator[](size_t i) const { return data[i]; }
};

inline int round_up(int v, int to) { return (v + to - 1) / to * to; }

// ---- AMX set-up --------------------------------------------------------------------------------------------------

// Linux hands out the tile data state only on request, once per process.
inline std::string request_amx() {
  constexpr long kReqXcompPerm = 0x1023, kXfeatureXtiledata = 18;
  if (syscall(SYS_arch_prctl, kReqXcompPerm, kXfeatureXtiledata) != 0)
    return std::string("arch_prctl(ARCH_REQ_XCOMP_PERM, XTILEDATA) failed: ") + std::strerror(errno);
  return "";
}

struct alignas(64) TileConfig {
  uint8_t palette = 1;
  uint8_t start_row = 0;
  uint8_t reserved[14] = {};
  uint16_t bytes_per_row[16] = {};
  uint8_t rows[16] = {};
};

// All eight tiles as 16 rows of 64 bytes (per thread; kept until _tile_release).
inline void configure_tiles() {
  TileConfig config;
  for (int t = 0; t < 8; ++t) config.bytes_per_row[t] = 64, config.rows[t] = 16;
  _tile_loadconfig(&config);
}

// ---- conversions -------------------------------------------------------------------------------------------------

inline __m512i to_bf16(__m512 low16, __m512 high16) { return (__m512i)_mm512_cvtne2ps_pbh(high16, low16); }

// dst (rows x cols bfloat16, stride ldd) = src (rows x cols float, stride lds); cols a multiple of 32.
inline void convert_rows(const float* src, int rows, int cols, int lds, bf16* dst, int ldd) {
  for (int r = 0; r < rows; ++r) {
    const float* s = src + Index(r) * lds;
    bf16* d = dst + Index(r) * ldd;
    for (int c = 0; c < cols; c += 32)
      _mm512_storeu_si512(d + c, to_bf16(_mm512_loadu_ps(s + c), _mm512_loadu_ps(s + c + 16)));
  }
}

// Transpose 16 x 16 floats in registers: v[i] holds row i before, column i after.
inline void transpose16(__m512 v[16]) {
  __m512 t[16];
  for (int i = 0; i < 16; i += 2) {  // within 128-bit lanes: pairs of rows interleaved
    t[i] = _mm512_unpacklo_ps(v[i], v[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(v[i], v[i + 1]);
  }
  __m512 q[16];  // q[4 g + j]: rows 4g .. 4g + 3 of column 4 L + j in lane L
  for (int g = 0; g < 4; ++g) {
    const __m512d a = _mm512_castps_pd(t[4 * g]), b = _mm512_castps_pd(t[4 * g + 1]);
    const __m512d c = _mm512_castps_pd(t[4 * g + 2]), d = _mm512_castps_pd(t[4 * g + 3]);
    q[4 * g + 0] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
    q[4 * g + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
    q[4 * g + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
    q[4 * g + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
  }
  for (int j = 0; j < 4; ++j) {  // gather lane L of the four row groups into column 4 L + j
    const __m512 even01 = _mm512_shuffle_f32x4(q[j], q[4 + j], 0x88), odd01 = _mm512_shuffle_f32x4(q[j], q[4 + j], 0xDD);
    const __m512 even23 = _mm512_shuffle_f32x4(q[8 + j], q[12 + j], 0x88);
    const __m512 odd23 = _mm512_shuffle_f32x4(q[8 + j], q[12 + j], 0xDD);
    v[j] = _mm512_shuffle_f32x4(even01, even23, 0x88);
    v[8 + j] = _mm512_shuffle_f32x4(even01, even23, 0xDD);
    v[4 + j] = _mm512_shuffle_f32x4(odd01, odd23, 0x88);
    v[12 + j] = _mm512_shuffle_f32x4(odd01, odd23, 0xDD);
  }
}

// dst (cols x ldd bfloat16) = src^T, src (rows x cols float, stride lds); cols a multiple of 16; dst's columns past
// rows (up to ldd, a multiple of 32) are zero. Blocks of 32 rows x 16 columns, transposed in registers.
inline void convert_transposed(const float* src, int rows, int cols, int lds, bf16* dst, int ldd) {
  for (int r = 0; r < ldd; r += 32)
    for (int c = 0; c < cols; c += 16) {
      __m512 low[16], high[16];
      for (int i = 0; i < 16; ++i) {
        low[i] = r + i < rows ? _mm512_loadu_ps(src + Index(r + i) * lds + c) : _mm512_setzero_ps();
        high[i] = r + 16 + i < rows ? _mm512_loadu_ps(src + Index(r + 16 + i) * lds + c) : _mm512_setzero_ps();
      }
      transpose16(low);
      transpose16(high);
      for (int i = 0; i < 16; ++i) _mm512_storeu_si512(dst + Index(c + i) * ldd + r, to_bf16(low[i], high[i]));
    }
}

// Where B's tile (column tile jt, K tile kt) starts in a packed B with k_tiles K tiles.
inline Index tile_at(int jt, int kt, int k_tiles) { return (Index(jt) * k_tiles + kt) * kTileBf16; }

// Pack B (k x n float, stride ldb) into AMX tiles: row p of tile (jt, kt) holds, for columns 16 jt .. 16 jt + 15,
// the pair (B[2p][j], B[2p + 1][j]) of the tile's K rows. K past k is zero; n a multiple of 16.
inline void pack_pairs(const float* b, int k, int n, int ldb, bf16* out) {
  const int k_tiles = round_up(k, 32) / 32;
  alignas(64) static const uint16_t interleave[32] = {0, 16, 1, 17, 2,  18, 3,  19, 4,  20, 5,  21, 6,  22, 7,  23,
                                                      8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31};
  const __m512i order = _mm512_load_si512(interleave);
  for (int p = 0; p < k_tiles * 16; ++p) {
    const float* even = b + Index(2 * p) * ldb;
    const float* odd = even + ldb;
    for (int jt = 0; jt < n / 16; ++jt) {
      const __m512 e = 2 * p < k ? _mm512_loadu_ps(even + 16 * jt) : _mm512_setzero_ps();
      const __m512 o = 2 * p + 1 < k ? _mm512_loadu_ps(odd + 16 * jt) : _mm512_setzero_ps();
      _mm512_store_si512(out + tile_at(jt, p / 16, k_tiles) + (p % 16) * 32,
                         _mm512_permutexvar_epi16(order, to_bf16(e, o)));
    }
  }
}

// Pack B = S^T where S is (n x k float, stride lds): the pair of row p, column j is (S[j][2p], S[j][2p + 1]), two
// neighbours in S's row j. k a multiple of 32, n of 16.
inline void pack_pairs_transposed(const float* s, int n, int k, int lds, bf16* out) {
  const int k_tiles = k / 32;
  alignas(64) uint32_t block[16][16];  // block[j][p]: the pair of S's row j at pair column p
  for (int jt = 0; jt < n / 16; ++jt)
    for (int kt = 0; kt < k_tiles; ++kt) {
      for (int j = 0; j < 16; ++j) {
        const float* row = s + Index(16 * jt + j) * lds + 32 * kt;
        _mm512_store_si512(block[j], to_bf16(_mm512_loadu_ps(row), _mm512_loadu_ps(row + 16)));
      }
      uint32_t* tile = reinterpret_cast<uint32_t*>(out + tile_at(jt, kt, k_tiles));
      for (int p = 0; p < 16; ++p)
        for (int j = 0; j < 16; ++j) tile[p * 16 + j] = block[j][p];
    }
}

// ---- the AMX product ---------------------------------------------------------------------------------------------

// A C tile whose rows past `rows` must not be touched goes through a scratch tile. (GCC's tile intrinsics name the
// tile register by its literal number, hence macros.)
struct CTile {
  float* at;
  int stride;
};
inline CTile staged_load(const float* c, int ldc, int rows, float* scratch) {
  if (rows >= 16) return {const_cast<float*>(c), ldc * 4};
  std::memset(scratch, 0, 1024);
  for (int r = 0; r < rows; ++r) std::memcpy(scratch + r * 16, c + Index(r) * ldc, 64);
  return {scratch, 64};
}
inline void staged_store_done(float* c, int ldc, int rows, const float* scratch) {
  for (int r = 0; r < rows && rows < 16; ++r) std::memcpy(c + Index(r) * ldc, scratch + r * 16, 64);
}
#define LOAD_C(T, c, ldc, rows, scratch)                       \
  do {                                                         \
    const CTile tile_ = staged_load(c, ldc, rows, scratch);     \
    _tile_loadd(T, tile_.at, tile_.stride);                    \
  } while (0)
#define STORE_C(T, c, ldc, rows, scratch)          \
  do {                                             \
    if ((rows) >= 16) {                            \
      _tile_stored(T, c, (ldc) * 4);               \
    } else {                                       \
      _tile_stored(T, scratch, 64);                \
      staged_store_done(c, ldc, rows, scratch);    \
    }                                              \
  } while (0)

// C (rows x 32, at c) (+)= A (rows x 32 kn, at a, stride lda) * B's two column tiles b0, b1 (kn K tiles each).
// rows: 1-32; two rows of C tiles when rows > 16.
inline void block_product(const bf16* a, int lda, const bf16* b0, const bf16* b1, int kn, float* c, int ldc, int rows,
                   bool accumulate) {
  alignas(64) float scratch[256];
  const bool two = rows > 16;
  if (accumulate) {
    LOAD_C(0, c, ldc, rows, scratch);
    LOAD_C(1, c + 16, ldc, rows, scratch);
    if (two) {
      LOAD_C(2, c + Index(16) * ldc, ldc, rows - 16, scratch);
      LOAD_C(3, c + Index(16) * ldc + 16, ldc, rows - 16, scratch);
    }
  } else {
    _tile_zero(0);
    _tile_zero(1);
    _tile_zero(2);
    _tile_zero(3);
  }
  const int stride = lda * 2;
  if (two) {
    const bf16* a1 = a + Index(16) * lda;
    for (int kt = 0; kt < kn; ++kt) {
      _tile_loadd(4, a + 32 * kt, stride);
      _tile_loadd(6, b0 + Index(kt) * kTileBf16, 64);
      _tile_loadd(7, b1 + Index(kt) * kTileBf16, 64);
      _tile_loadd(5, a1 + 32 * kt, stride);
      _tile_dpbf16ps(0, 4, 6);
      _tile_dpbf16ps(1, 4, 7);
      _tile_dpbf16ps(2, 5, 6);
      _tile_dpbf16ps(3, 5, 7);
    }
  } else {
    for (int kt = 0; kt < kn; ++kt) {
      _tile_loadd(4, a + 32 * kt, stride);
      _tile_loadd(6, b0 + Index(kt) * kTileBf16, 64);
      _tile_loadd(7, b1 + Index(kt) * kTileBf16, 64);
      _tile_dpbf16ps(0, 4, 6);
      _tile_dpbf16ps(1, 4, 7);
    }
  }
  STORE_C(0, c, ldc, rows, scratch);
  STORE_C(1, c + 16, ldc, rows, scratch);
  if (two) {
    STORE_C(2, c + Index(16) * ldc, ldc, rows - 16, scratch);
    STORE_C(3, c + Index(16) * ldc + 16, ldc, rows - 16, scratch);
  }
}

// C (m x n float, stride ldc) = A (m x kp bfloat16, stride lda; rows allocated up to a multiple of 16, K zero-padded
// to kp, a multiple of 32) * B (packed by pack_pairs*, kp x n); n a multiple of 32. Tiles must be configured.
// accumulate: C += A B instead.
inline void amx_product(const bf16* a, int lda, int m, int kp, const bf16* b, int n, float* c, int ldc,
                 bool accumulate = false) {
  const int k_tiles = kp / 32;
  for (int k0 = 0; k0 < k_tiles; k0 += kChunkKTiles) {
    const int kn = std::min(kChunkKTiles, k_tiles - k0);
    for (int i = 0; i < m; i += 32)
      for (int jt = 0; jt < n / 16; jt += 2)
        block_product(a + Index(i) * lda + 32 * k0, lda, b + tile_at(jt, k0, k_tiles), b + tile_at(jt + 1, k0, k_tiles),
                      kn, c + Index(i) * ldc + 16 * jt, ldc, std::min(32, m - i), accumulate || k0 > 0);
  }
}

// C (units x n, stride ldc) = Hprev^T (units x r) * dZ (r x n, stride ldz), r in chunks of 1024: each chunk's Hprev^T
// and dZ converted into buffers that stay in the L2 cache (`ht16`: units x 1024, `dz_packed`: 1024 x n), then
// multiplied into C. units a multiple of 16, n of 32.
inline void weights_product(const float* h_prev, int r, int units, const float* dz, int n, int ldz, float* c, int ldc,
                            Buffer<bf16>& ht16, Buffer<bf16>& dz_packed) {
  constexpr int kChunk = 32 * kChunkKTiles;
  if (ht16.size < size_t(units) * kChunk) ht16.resize(size_t(units) * kChunk);
  if (dz_packed.size < size_t(kChunk) * n) dz_packed.resize(size_t(kChunk) * n);
  for (int r0 = 0; r0 < r; r0 += kChunk) {
    const int rows = std::min(kChunk, r - r0), kp = round_up(rows, 32);
    convert_transposed(h_prev + Index(r0) * units, rows, units, units, ht16.data, kp);
    pack_pairs(dz + Index(r0) * ldz, rows, n, ldz, dz_packed.data);
    amx_product(ht16.data, kp, units, kp, dz_packed.data, n, c, ldc, r0 > 0);
  }
}

}  // namespace hrnn_amx

namespace hrnn_amx {

// Whether this process may use the tiles: asked of Linux once.
inline bool amx_ready() {
  static const bool ready = request_amx().empty();
  return ready;
}

// Load the tile configuration on this thread for the life of the object; release the tiles at its end.
struct TileScope {
  TileScope() { configure_tiles(); }
  ~TileScope() { _tile_release(); }
};

// The recurrent kernel U (units x gates, row-major) packed for both recurrent products.
template <class T>
struct PackedRecurrent {
  bool on = false;
  int units = 0, gates = 0;
  Buffer<bf16> u, ut;

  PackedRecurrent(const T* recurrent, long n_units, long n_gates, bool wanted) {
    if constexpr (std::is_same_v<T, float>) {
      if (!wanted || n_units % 32 || n_gates % 32 || !amx_ready()) return;
      units = int(n_units), gates = int(n_gates);
      u.resize(size_t(units) * gates);
      ut.resize(size_t(units) * gates);
      pack_pairs(recurrent, units, gates, gates, u.data);
      pack_pairs_transposed(recurrent, units, gates, gates, ut.data);
      on = true;
    }
  }

  // z (m x gates) += h (m x units) U; false (nothing done) where this object is off.
  bool forward_add(const T* h, long m, T* z) const {
    if constexpr (std::is_same_v<T, float>) {
      if (!on) return false;
      bf16* a = left(m, units);
      convert_rows(h, int(m), units, units, a, units);
      TileScope tiles;
      amx_product(a, units, int(m), units, u.data, gates, z, gates, /*accumulate=*/true);
      return true;
    }
    return false;
  }

  // dh (m x units) = dz (m x gates) U^T; false where this object is off.
  bool backward(const T* dz, long m, T* dh) const {
    if constexpr (std::is_same_v<T, float>) {
      if (!on) return false;
      bf16* a = left(m, gates);
      convert_rows(dz, int(m), gates, gates, a, gates);
      TileScope tiles;
      amx_product(a, gates, int(m), gates, ut.data, units, dh, units);
      return true;
    }
    return false;
  }

 private:
  // This thread's buffer for a bfloat16 copy of m rows of `cols` (rows rounded up to 16 for whole tiles).
  static bf16* left(long m, int cols) {
    thread_local Buffer<bf16> buffer;
    const size_t need = size_t(round_up(int(m), 16)) * cols;
    if (buffer.size < need) buffer.resize(need);
    return buffer.data;
  }
};

// du (units x cols, stride ldu) = h_prev^T (units x r) dz (r x cols, stride ldz); false (nothing done) for double,
// shapes it does not handle, or where the tiles are refused.
template <class T>
bool weights(bool wanted, const T* h_prev, long r, long units, const T* dz, long cols, long ldz, T* du, long ldu) {
  if constexpr (std::is_same_v<T, float>) {
    if (!wanted || units % 16 || cols % 32 || r == 0 || !amx_ready()) return false;
    thread_local Buffer<bf16> ht16, dz_packed;
    TileScope tiles;
    weights_product(h_prev, int(r), int(units), dz, int(cols), int(ldz), du, int(ldu), ht16, dz_packed);
    return true;
  }
  return false;
}

}  // namespace hrnn_amx

#else  // no AMX in this build: every product stays on Eigen (float32)

namespace hrnn_amx {

inline bool amx_ready() { return false; }

template <class T>
struct PackedRecurrent {
  PackedRecurrent(const T*, long, long, bool) {}
  bool forward_add(const T*, long, T*) const { return false; }
  bool backward(const T*, long, T*) const { return false; }
};

template <class T>
bool weights(bool, const T*, long, long, const T*, long, long, T*, long) {
  return false;
}

}  // namespace hrnn_amx

#endif
