// The three float32 products of hrnn's LSTM op on AMX, for a variant of the op that `run.py op` builds: it copies
// hrnn/nn/native/lstm_op.cc into its build folder, includes this file and puts a call in front of each Eigen product
// (`if (!hook(...)) eigen product;`). hrnn's own op is untouched. A hook answers false, and Eigen runs, for double,
// for shapes it does not handle, or where Linux refuses the tiles.
//
// Each call loads the tile configuration on the thread that runs it (TensorFlow's pool threads) and releases the
// tiles after, so no thread keeps 8 KiB of tile state. bfloat16 copies of the left factors live in per-thread
// buffers; U and U^T are packed once per op call.

#pragma once

#include <type_traits>

#include "amx_kernel.h"

namespace amx_spike {

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

  PackedRecurrent(const T* recurrent, long n_units, long n_gates) {
    if constexpr (std::is_same_v<T, float>) {
      if (n_units % 32 || n_gates % 32 || !amx_ready()) return;
      units = int(n_units), gates = int(n_gates);
      u.resize(size_t(units) * gates);
      ut.resize(size_t(units) * gates);
      pack_pairs(recurrent, units, gates, gates, u.data);
      pack_pairs_transposed(recurrent, units, gates, gates, ut.data);
      on = true;
    }
  }

  // z (m x gates) = h (m x units) U; false where this object is off.
  bool forward(const T* h, long m, T* z) const {
    if constexpr (std::is_same_v<T, float>) {
      if (!on) return false;
      bf16* a = left(m, units);
      convert_rows(h, int(m), units, units, a, units);
      TileScope tiles;
      amx_product(a, units, int(m), units, u.data, gates, z, gates);
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
bool weights(const T* h_prev, long r, long units, const T* dz, long cols, long ldz, T* du, long ldu) {
  if constexpr (std::is_same_v<T, float>) {
    if (units % 16 || cols % 32 || r == 0 || !amx_ready()) return false;
    thread_local Buffer<bf16> ht16, dz_packed;
    TileScope tiles;
    weights_product(h_prev, int(r), int(units), dz, int(cols), int(ldz), du, int(ldu), ht16, dz_packed);
    return true;
  }
  return false;
}

}  // namespace amx_spike
