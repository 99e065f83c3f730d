// A small freestanding printf for the QEMU images: no heap, no newlib stdio, output via semihosting.
// Conversions: %d %i %u %x %X %c %s %p %%, flags '-' and '0', a decimal width, and the length
// modifiers l, ll, z (%ld, %llu, %zu, %llx...). No floating point, no precision, no '*' width.
#pragma once

#include <stdarg.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

// Formats into a line buffer (256 bytes) that goes to the host console at each '\n', when full, and
// on qemu_print_flush(). Returns the number of characters formatted.
__attribute__((format(printf, 1, 2))) int qemu_print(const char* format, ...);
int qemu_vprint(const char* format, va_list args);

// Sends what is left in the line buffer. qemu_exit() and the fault handler call it.
void qemu_print_flush(void);

// snprintf-like: writes at most size - 1 characters and a NUL (if size > 0). Returns the length the
// full output would have.
__attribute__((format(printf, 3, 4))) int qemu_snprint(char* buffer, size_t size, const char* format,
                                                        ...);
int qemu_vsnprint(char* buffer, size_t size, const char* format, va_list args);

#ifdef __cplusplus
}  // extern "C"
#endif
