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

/* Below this many floats a second thread costs more than it saves. */
#define PARALLEL_FLOATS (1L << 16)

void vk_leaky_relu(const float *x, float *y, long n, float alpha, int threads) {
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1 && n >= PARALLEL_FLOATS)
  for (long i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : alpha * x[i];
}

void vk_leaky_relu_grad(const float *dy, const float *x, float *dx, long n, float alpha, int threads) {
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1 && n >= PARALLEL_FLOATS)
  for (long i = 0; i < n; i++) dx[i] = x[i] > 0 ? dy[i] : alpha * dy[i];
}

void vk_add_bias_rows(const float *x, const float *bias, float *y, long rows, int cols, int threads) {
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1 && rows * cols >= PARALLEL_FLOATS)
  for (long r = 0; r < rows; r++) {
    const float *xr = x + r * cols;
    float *yr = y + r * cols;
    for (int c = 0; c < cols; c++) yr[c] = xr[c] + bias[c];
  }
}
