// The spike's AMX bfloat16 products are hrnn's own now (hrnn/nn/native/amx_products.h, namespace hrnn_amx): the
// benchmark (amx_products.cc) reads them under the spike's name. Compiled with -mamx-tile -mamx-bf16 -mavx512bf16
// (run.py build), so the header's AMX branch is the one compiled.

#pragma once

#include "../../hrnn/nn/native/amx_products.h"

namespace amx_spike = hrnn_amx;
