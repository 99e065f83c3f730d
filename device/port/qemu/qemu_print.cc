// The formatter behind qemu_print/qemu_snprint: one pass over the format, characters go to a sink.
#include "qemu_print.h"

#include <stdint.h>

#include "semihosting.h"

namespace {

struct PrintSink {
  void (*put)(PrintSink* sink, char c);
  char* buffer;     // snprint: destination; line: the line buffer
  size_t capacity;  // bytes of buffer usable for characters
  size_t length;    // characters stored in buffer
  int count;        // characters formatted
};

void print_emit(PrintSink* sink, char c) {
  sink->put(sink, c);
  ++sink->count;
}

void print_repeat(PrintSink* sink, char c, int n) {
  for (int i = 0; i < n; ++i) print_emit(sink, c);
}

struct PrintSpec {
  bool left = false;
  bool zero = false;
  int width = 0;
};

// Writes `digits` (already in order) with sign and padding per spec.
void print_field(PrintSink* sink, const PrintSpec& spec, const char* sign, const char* digits, int n) {
  int sign_len = 0;
  while (sign[sign_len] != '\0') ++sign_len;
  const int pad = spec.width > n + sign_len ? spec.width - n - sign_len : 0;
  if (!spec.left && !spec.zero) print_repeat(sink, ' ', pad);
  for (int i = 0; i < sign_len; ++i) print_emit(sink, sign[i]);
  if (!spec.left && spec.zero) print_repeat(sink, '0', pad);
  for (int i = 0; i < n; ++i) print_emit(sink, digits[i]);
  if (spec.left) print_repeat(sink, ' ', pad);
}

void print_unsigned(PrintSink* sink, const PrintSpec& spec, const char* sign, unsigned long long value,
                    unsigned base, bool upper) {
  char reversed[24];
  int n = 0;
  const char* digit_chars = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  // 32-bit values avoid the 64-bit division helper, which is slow on small cores.
  if (value <= UINT32_MAX) {
    uint32_t v = static_cast<uint32_t>(value);
    do {
      reversed[n++] = digit_chars[v % base];
      v /= base;
    } while (v != 0);
  } else {
    do {
      reversed[n++] = digit_chars[value % base];
      value /= base;
    } while (value != 0);
  }
  char digits[24];
  for (int i = 0; i < n; ++i) digits[i] = reversed[n - 1 - i];
  print_field(sink, spec, sign, digits, n);
}

int print_format(PrintSink* sink, const char* format, va_list args) {
  for (const char* p = format; *p != '\0'; ++p) {
    if (*p != '%') {
      print_emit(sink, *p);
      continue;
    }
    ++p;
    PrintSpec spec;
    for (;; ++p) {
      if (*p == '-') {
        spec.left = true;
      } else if (*p == '0') {
        spec.zero = true;
      } else {
        break;
      }
    }
    while (*p >= '0' && *p <= '9') spec.width = spec.width * 10 + (*p++ - '0');
    int longs = 0;  // 0: int, 1: long / size_t, 2: long long
    if (*p == 'l') {
      ++p;
      longs = 1;
      if (*p == 'l') {
        ++p;
        longs = 2;
      }
    } else if (*p == 'z') {
      ++p;
      longs = 1;
    }
    switch (*p) {
      case 'd':
      case 'i': {
        long long value = longs == 2 ? va_arg(args, long long)
                          : longs == 1 ? va_arg(args, long)
                                       : va_arg(args, int);
        const unsigned long long magnitude =
            value < 0 ? 0ULL - static_cast<unsigned long long>(value) : static_cast<unsigned long long>(value);
        print_unsigned(sink, spec, value < 0 ? "-" : "", magnitude, 10, false);
        break;
      }
      case 'u':
      case 'x':
      case 'X': {
        unsigned long long value = longs == 2 ? va_arg(args, unsigned long long)
                                   : longs == 1 ? va_arg(args, unsigned long)
                                                : va_arg(args, unsigned int);
        print_unsigned(sink, spec, "", value, *p == 'u' ? 10 : 16, *p == 'X');
        break;
      }
      case 'p':
        print_unsigned(sink, spec, "0x", reinterpret_cast<uintptr_t>(va_arg(args, void*)), 16, false);
        break;
      case 'c': {
        const char c = static_cast<char>(va_arg(args, int));
        spec.zero = false;
        print_field(sink, spec, "", &c, 1);
        break;
      }
      case 's': {
        const char* s = va_arg(args, const char*);
        if (s == nullptr) s = "(null)";
        int n = 0;
        while (s[n] != '\0') ++n;
        spec.zero = false;
        print_field(sink, spec, "", s, n);
        break;
      }
      case '%':
        print_emit(sink, '%');
        break;
      case '\0':
        return sink->count;  // a lone '%' at the end
      default:  // unknown conversion: show it as written
        print_emit(sink, '%');
        print_emit(sink, *p);
        break;
    }
  }
  return sink->count;
}

// ---- line sink: a static buffer flushed to the semihosting console ----

constexpr size_t kPrintLineBytes = 256;
char g_print_line[kPrintLineBytes];
size_t g_print_line_length = 0;

void print_line_flush() {
  if (g_print_line_length == 0) return;
  g_print_line[g_print_line_length] = '\0';
  sh_write0(g_print_line);
  g_print_line_length = 0;
}

void print_line_put(PrintSink*, char c) {
  if (c == '\0') return;  // SYS_WRITE0 would stop there
  g_print_line[g_print_line_length++] = c;
  if (c == '\n' || g_print_line_length == kPrintLineBytes - 1) print_line_flush();
}

void print_buffer_put(PrintSink* sink, char c) {
  if (sink->length < sink->capacity) sink->buffer[sink->length++] = c;
}

}  // namespace

extern "C" {

int qemu_vprint(const char* format, va_list args) {
  PrintSink sink{print_line_put, nullptr, 0, 0, 0};
  return print_format(&sink, format, args);
}

int qemu_print(const char* format, ...) {
  va_list args;
  va_start(args, format);
  const int n = qemu_vprint(format, args);
  va_end(args);
  return n;
}

void qemu_print_flush(void) { print_line_flush(); }

int qemu_vsnprint(char* buffer, size_t size, const char* format, va_list args) {
  PrintSink sink{print_buffer_put, buffer, size > 0 ? size - 1 : 0, 0, 0};
  const int n = print_format(&sink, format, args);
  if (size > 0) buffer[sink.length] = '\0';
  return n;
}

int qemu_snprint(char* buffer, size_t size, const char* format, ...) {
  va_list args;
  va_start(args, format);
  const int n = qemu_vsnprint(buffer, size, format, args);
  va_end(args);
  return n;
}

}  // extern "C"
