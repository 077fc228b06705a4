/*
 * What conv.c and direct.c share: the geometry the JS side passes and the per-thread scratch.
 */
#ifndef VAE_CONV_H
#define VAE_CONV_H
#include <stddef.h>

/* Geometry, in the order of the Int32Array the JS side passes. */
typedef struct {
  int batch, in_h, in_w, in_c, out_h, out_w, out_c, k_h, k_w, stride_h, stride_w, dil_h, dil_w, pad_top, pad_left;
} geometry;

/* 1 for a 1×1 stride-1 unpadded convolution (its im2col matrix is x itself). */
int vk_pointwise(const geometry *g);

/* dw = Σ_c partials[c] over `chunks` slices of `filter` floats, added in chunk order (so a sum
 * does not depend on which thread computed which chunk). */
void vk_sum_partials(float *dw, const float *partials, int chunks, size_t filter);

/* In place on rows × cols floats: y = act(y + bias[col]) (bias may be null; activation 0 none,
 * 1 relu, 2 leaky relu y > 0 ? y : α·y), float by float as a bias Add then the activation kernel. */
void vk_bias_activate(float *y, size_t rows, int cols, const float *bias, int activation, float alpha);

/* y = x > 0 ? x : α·x over n floats (elementwise.c; x may be y). */
void vk_leaky_relu(const float *x, float *y, long n, float alpha, int threads);

/* A scratch buffer of the calling thread, grown as needed and kept between calls; null if out of memory. */
float *vk_thread_scratch(size_t floats);
/* A second one of the calling thread, for data its OpenMP threads share within one call. */
float *vk_shared_scratch(size_t floats);

/*
 * The direct convolutions (direct.c): used when vk_direct_takes says so for the geometry and
 * the kernel; same return values as the vk_conv2d* calls.
 */
enum { DIRECT_FORWARD = 0, DIRECT_INPUT_GRADIENT = 1, DIRECT_FILTER_GRADIENT = 2 };
int vk_direct_takes(const geometry *g, int kernel);
/* The same question from the JS side (the geometry as its Int32Array). */
int vk_direct_route(const int *geo, int kernel);
int vk_set_direct(int enabled);
int vk_direct_calls(void);
int vk_vector_floats(void);
int vk_direct_conv2d(const float *x, const float *w, const float *bias, float *y, const geometry *g, int activation, float alpha, int threads);
int vk_direct_backprop_input(const float *dy, const float *w, const float *bias, float *dx, const geometry *g, int activation,
                             float alpha, int threads);
int vk_direct_backprop_filter(const float *x, const float *dy, float *dw, const geometry *g, int threads);

#endif
