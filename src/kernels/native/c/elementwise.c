/*
 * The memory-bound element-wise kernels of a training step and of decoding, on every core:
 * LeakyReLU, its gradient and the bias add of Conv2DTranspose / Dense layers. Each element is
 * computed exactly as by the wasm SIMD kernels (../../wasm/simd), so results do not depend on
 * which ran or on the thread count:
 *     leaky relu        y  = x > 0 ? x : α·x          (α a float32)
 *     its gradient      dx = x > 0 ? dy : α·dy
 *     bias rows         y[r, c] = x[r, c] + bias[c]
 * Loaded by ../ckernels.ts; ../elementwise.ts routes large tensors here.
 */
#include <stddef.h>

#include "conv.h"

/* Below this many floats a second thread costs more than it saves. */
#define PARALLEL_FLOATS (1L << 16)

/*
 * Eight floats at a time in GCC vector types, with the select written out: as `x > 0 ? a :
 * α·a` GCC keeps a branch per float (it may not vectorise a compare that could trap), and with
 * the random signs of activations the mispredictions made these passes ~6× slower (measured).
 */
typedef float v8 __attribute__((vector_size(32)));
typedef int v8i __attribute__((vector_size(32)));
typedef float v8u __attribute__((vector_size(32), aligned(4))); /* unaligned access */
static inline v8 load8(const float *p) { return *(const v8u *)p; }
static inline void store8(float *p, v8 v) { *(v8u *)p = v; }
/* x > 0 ? a : b, lane by lane (NaN > 0 is false). */
static inline v8 positive_select(v8 x, v8 a, v8 b) {
  const v8i m = x > 0;
  return (v8)(((v8i)a & m) | ((v8i)b & ~m));
}

void vk_leaky_relu(const float *x, float *y, long n, float alpha, int threads) {
  const long blocks = n / 8;
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1 && n >= PARALLEL_FLOATS)
  for (long b = 0; b < blocks; b++) {
    const v8 v = load8(x + 8 * b);
    store8(y + 8 * b, positive_select(v, v, v * alpha));
  }
  for (long i = 8 * blocks; i < n; i++) y[i] = x[i] > 0 ? x[i] : alpha * x[i];
}

void vk_leaky_relu_grad(const float *dy, const float *x, float *dx, long n, float alpha, int threads) {
  const long blocks = n / 8;
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1 && n >= PARALLEL_FLOATS)
  for (long b = 0; b < blocks; b++) {
    const v8 g = load8(dy + 8 * b);
    store8(dx + 8 * b, positive_select(load8(x + 8 * b), g, g * alpha));
  }
  for (long i = 8 * blocks; i < n; i++) dx[i] = x[i] > 0 ? dy[i] : alpha * dy[i];
}

void vk_add_bias_rows(const float *x, const float *bias, float *y, long rows, int cols, int threads) {
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1 && rows * cols >= PARALLEL_FLOATS)
  for (long r = 0; r < rows; r++) {
    const float *xr = x + r * cols;
    float *yr = y + r * cols;
    for (int c = 0; c < cols; c++) yr[c] = xr[c] + bias[c];
  }
}
