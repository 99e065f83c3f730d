// Group operations for Ed25519 verification (see ge25519.h).
#include "device/crypto/ge25519.h"

#include "device/crypto/sc25519.h"

namespace tmf::crypto::detail {
namespace {

// RFC 8032 section 5.1: d = -121665/121666 mod p, and sqrt(-1) = 2^((p-1)/4) mod p.
constexpr uint8_t kD[32] = {0xa3, 0x78, 0x59, 0x13, 0xca, 0x4d, 0xeb, 0x75, 0xab, 0xd8, 0x41,
                            0x41, 0x4d, 0x0a, 0x70, 0x00, 0x98, 0xe8, 0x79, 0x77, 0x79, 0x40,
                            0xc7, 0x8c, 0x73, 0xfe, 0x6f, 0x2b, 0xee, 0x6c, 0x03, 0x52};
constexpr uint8_t kSqrtM1[32] = {0xb0, 0xa0, 0x0e, 0x4a, 0x27, 0x1b, 0xee, 0xc4, 0x78, 0xe4, 0x2f,
                                 0xad, 0x06, 0x18, 0x43, 0x2f, 0xa7, 0xd7, 0xfb, 0x3d, 0x99, 0x00,
                                 0x4d, 0x2b, 0x0b, 0xdf, 0xc1, 0x4f, 0x80, 0x24, 0x83, 0x2b};
// (y+x, y-x, 2dxy) of B, 3B, ..., 15B (tools/crypto/gen_ed25519_base_table.py).
constexpr uint8_t kBaseOdd[8 * 3][32] = {
#include "device/crypto/ed25519_base_table.inc"
};

constexpr int kWidthA = 4;  // digits +-1..7 of A: 4 cached points on the stack (640 bytes)
constexpr int kWidthB = 5;  // digits +-1..15 of B: 8 entries in flash (768 bytes)

// A point ready to be added: (Y+X, Y-X, Z, 2dT).
struct GeCached {
  Fe YplusX, YminusX, Z, T2d;
};

// The result of a doubling or an addition before its last multiplications, kept as four factors so
// the caller pays for T only when the next step is an addition.
struct GeCompleted {
  Fe E, F, G, H;  // X = E F, Y = G H, Z = F G, T = E H
};

void completed_to_p3(GeP3* r, const GeCompleted* c, bool with_t) {
  fe_mul(&r->X, &c->E, &c->F);
  fe_mul(&r->Y, &c->G, &c->H);
  fe_mul(&r->Z, &c->F, &c->G);
  if (with_t) fe_mul(&r->T, &c->E, &c->H);
}

// dbl-2008-hwcd with a = -1; reads X, Y, Z only.
void dbl(GeCompleted* c, const GeP3* p) {
  Fe a, b, zz2, s;
  fe_sq(&a, &p->X);
  fe_sq(&b, &p->Y);
  fe_sq(&zz2, &p->Z);
  fe_add(&zz2, &zz2, &zz2);
  fe_add(&s, &p->X, &p->Y);
  fe_sq(&s, &s);
  fe_add(&c->H, &a, &b);      // A + B (H below is its negative)
  fe_sub(&c->E, &s, &c->H);   // E = (X+Y)^2 - A - B
  fe_sub(&c->G, &b, &a);      // G = B - A
  fe_sub(&c->F, &c->G, &zz2); // F = G - 2Z^2
  fe_neg(&c->H, &c->H);       // H = -A - B
}

void to_cached(GeCached* r, const GeP3* p, const Fe* d2) {
  fe_add(&r->YplusX, &p->Y, &p->X);
  fe_sub(&r->YminusX, &p->Y, &p->X);
  r->Z = p->Z;
  fe_mul(&r->T2d, &p->T, d2);
}

// add-2008-hwcd-3 (k = 2d): p + q, or p - q with negate (-q swaps Y+X and Y-X and negates T).
void add_cached(GeCompleted* c, const GeP3* p, const GeCached* q, bool negate) {
  Fe a, b, t, z;
  fe_sub(&a, &p->Y, &p->X);
  fe_mul(&a, &a, negate ? &q->YplusX : &q->YminusX);
  fe_add(&b, &p->Y, &p->X);
  fe_mul(&b, &b, negate ? &q->YminusX : &q->YplusX);
  fe_mul(&t, &p->T, &q->T2d);
  fe_mul(&z, &p->Z, &q->Z);
  fe_add(&z, &z, &z);
  fe_sub(&c->E, &b, &a);
  fe_add(&c->H, &b, &a);
  if (negate) {
    fe_add(&c->F, &z, &t);
    fe_sub(&c->G, &z, &t);
  } else {
    fe_sub(&c->F, &z, &t);
    fe_add(&c->G, &z, &t);
  }
}

// The same with an affine table entry (Z = 1): one multiplication fewer.
void add_base(GeCompleted* c, const GeP3* p, int index, bool negate) {
  Fe yplusx, yminusx, xy2d;
  fe_frombytes(&yplusx, kBaseOdd[3 * index + 0]);
  fe_frombytes(&yminusx, kBaseOdd[3 * index + 1]);
  fe_frombytes(&xy2d, kBaseOdd[3 * index + 2]);
  Fe a, b, t, z;
  fe_sub(&a, &p->Y, &p->X);
  fe_mul(&a, &a, negate ? &yplusx : &yminusx);
  fe_add(&b, &p->Y, &p->X);
  fe_mul(&b, &b, negate ? &yminusx : &yplusx);
  fe_mul(&t, &p->T, &xy2d);
  fe_add(&z, &p->Z, &p->Z);
  fe_sub(&c->E, &b, &a);
  fe_add(&c->H, &b, &a);
  if (negate) {
    fe_add(&c->F, &z, &t);
    fe_sub(&c->G, &z, &t);
  } else {
    fe_sub(&c->F, &z, &t);
    fe_add(&c->G, &z, &t);
  }
}

void d2_constant(Fe* d2) {
  fe_frombytes(d2, kD);
  fe_add(d2, d2, d2);
}

}  // namespace

void ge_identity(GeP3* r) {
  fe_zero(&r->X);
  fe_one(&r->Y);
  fe_one(&r->Z);
  fe_zero(&r->T);
}

bool ge_frombytes(GeP3* r, const uint8_t s[32]) {
  Fe one, d, u, v, v3, x, vxx, check;
  fe_one(&one);
  fe_frombytes(&d, kD);
  fe_frombytes(&r->Y, s);
  fe_one(&r->Z);
  // x = u v^3 (u v^7)^((p-5)/8) with u = y^2 - 1, v = d y^2 + 1.
  fe_sq(&u, &r->Y);
  fe_mul(&v, &u, &d);
  fe_sub(&u, &u, &one);
  fe_add(&v, &v, &one);
  fe_sq(&v3, &v);
  fe_mul(&v3, &v3, &v);       // v^3
  fe_sq(&x, &v3);
  fe_mul(&x, &x, &v);         // v^7
  fe_mul(&x, &x, &u);         // u v^7
  fe_pow_p58(&x, &x);
  fe_mul(&x, &x, &v3);
  fe_mul(&x, &x, &u);
  fe_sq(&vxx, &x);
  fe_mul(&vxx, &vxx, &v);
  fe_sub(&check, &vxx, &u);
  if (!fe_is_zero(&check)) {
    fe_add(&check, &vxx, &u);
    if (!fe_is_zero(&check)) return false;  // u/v is not a square: no point has this y
    Fe sqrt_m1;
    fe_frombytes(&sqrt_m1, kSqrtM1);
    fe_mul(&x, &x, &sqrt_m1);
  }
  const bool sign = (s[31] >> 7) != 0;
  if (fe_is_zero(&x) && sign) return false;
  if (fe_is_negative(&x) != sign) fe_neg(&x, &x);
  r->X = x;
  fe_mul(&r->T, &r->X, &r->Y);
  return true;
}

void ge_tobytes(uint8_t s[32], const GeP3* p) {
  Fe zinv, x, y;
  fe_invert(&zinv, &p->Z);
  fe_mul(&x, &p->X, &zinv);
  fe_mul(&y, &p->Y, &zinv);
  fe_tobytes(s, &y);
  if (fe_is_negative(&x)) s[31] |= 0x80;
}

void ge_add(GeP3* r, const GeP3* p, const GeP3* q) {
  Fe d2;
  d2_constant(&d2);
  GeCached cq;
  to_cached(&cq, q, &d2);
  GeCompleted c;
  add_cached(&c, p, &cq, false);
  completed_to_p3(r, &c, true);
}

void ge_double(GeP3* r, const GeP3* p) {
  GeCompleted c;
  dbl(&c, p);
  completed_to_p3(r, &c, true);
}

void ge_neg(GeP3* r, const GeP3* p) {
  fe_neg(&r->X, &p->X);
  r->Y = p->Y;
  r->Z = p->Z;
  fe_neg(&r->T, &p->T);
}

void ge_double_scalarmult_base_vartime(GeP3* r, const uint8_t a[32], const GeP3* A, const uint8_t b[32]) {
  int8_t naf_a[256], naf_b[256];
  sc_wnaf(naf_a, a, kWidthA);
  sc_wnaf(naf_b, b, kWidthB);

  // A, 3A, 5A, 7A.
  Fe d2;
  d2_constant(&d2);
  GeCached odd_a[1 << (kWidthA - 2)];
  GeP3 twice_a, t;
  ge_double(&twice_a, A);
  to_cached(&odd_a[0], A, &d2);
  GeCompleted c;
  t = *A;
  for (int i = 1; i < (1 << (kWidthA - 2)); ++i) {
    add_cached(&c, &twice_a, &odd_a[i - 1], false);
    completed_to_p3(&t, &c, true);
    to_cached(&odd_a[i], &t, &d2);
  }

  int top = 255;
  while (top >= 0 && naf_a[top] == 0 && naf_b[top] == 0) --top;
  ge_identity(r);
  for (int i = top; i >= 0; --i) {
    dbl(&c, r);
    const int da = naf_a[i];
    const int db = naf_b[i];
    if (da == 0 && db == 0) {
      completed_to_p3(r, &c, i == 0);  // T only when it is needed: for an addition, or at the end
      continue;
    }
    completed_to_p3(&t, &c, true);
    if (da != 0) {
      add_cached(&c, &t, &odd_a[(da < 0 ? -da : da) >> 1], da < 0);
      if (db != 0) completed_to_p3(&t, &c, true);
    }
    if (db != 0) add_base(&c, &t, (db < 0 ? -db : db) >> 1, db < 0);
    completed_to_p3(r, &c, i == 0);
  }
}

}  // namespace tmf::crypto::detail
