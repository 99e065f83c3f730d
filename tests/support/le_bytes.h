// Little-endian byte builders for hand-written oracle payloads: a test writes the bytes a format
// specifies field by field, independently of the codec under test.
#pragma once

#include <string.h>

#include <cstdint>
#include <vector>

namespace tmf::test_bytes {

inline void le16(std::vector<uint8_t>* b, uint32_t v) {
  b->push_back(static_cast<uint8_t>(v));
  b->push_back(static_cast<uint8_t>(v >> 8));
}
inline void le32(std::vector<uint8_t>* b, uint32_t v) {
  for (int i = 0; i < 4; ++i) b->push_back(static_cast<uint8_t>(v >> (8 * i)));
}
inline void lef(std::vector<uint8_t>* b, float f) {
  uint32_t v;
  memcpy(&v, &f, 4);
  le32(b, v);
}

}  // namespace tmf::test_bytes
