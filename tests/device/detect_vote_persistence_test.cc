// device/detect k-of-n voting and the m-of-w persistence filter.
// Oracles: brute force from the definitions. Voting counts the set decisions of every int8 vector
// over a small alphabet exhaustively; persistence keeps the whole candidate history in an array
// and counts the last w entries at each step, for every stream of length 10 under every (w, m,
// clear_below) with w <= 6, and for long random streams with w up to 64.
#include "device/detect/persistence.h"
#include "device/detect/vote.h"

#include "tests/support/tmf_test.h"

namespace tmf::detect {
namespace {

uint32_t g_rng = 1;
uint32_t next_u32() {
  g_rng = g_rng * 1664525u + 1013904223u;
  return g_rng >> 8;
}

TMF_TEST(DetectVote, ExhaustiveSmallPools) {
  // Alphabet {0, 1, -1, 127}: only 0 is "not set".
  const int8_t alphabet[4] = {0, 1, -1, 127};
  int8_t decisions[6];
  for (uint32_t n = 1; n <= 6; ++n) {
    uint32_t combos = 1;
    for (uint32_t i = 0; i < n; ++i) combos *= 4;
    for (uint32_t code = 0; code < combos; ++code) {
      uint32_t set = 0, c = code;
      for (uint32_t i = 0; i < n; ++i, c /= 4) {
        decisions[i] = alphabet[c % 4];
        set += (c % 4) != 0 ? 1u : 0u;
      }
      TMF_EXPECT_EQ(vote_count(decisions, n), set);
      for (uint32_t k = 1; k <= n; ++k) TMF_EXPECT_EQ(vote_candidate(decisions, n, k), set >= k);
    }
  }
}

TMF_TEST(DetectVote, ConfigLimits) {
  TMF_EXPECT(vote_config_valid(1, 1));
  TMF_EXPECT(vote_config_valid(kDetectMaxDetectors, kDetectMaxDetectors));
  TMF_EXPECT(!vote_config_valid(0, 0));
  TMF_EXPECT(!vote_config_valid(3, 0));
  TMF_EXPECT(!vote_config_valid(3, 4));
  TMF_EXPECT(!vote_config_valid(kDetectMaxDetectors + 1, 1));
}

// The reference filter: alarm state and events from the explicit history.
struct Reference {
  uint32_t w, m, clear_below;
  bool history[4096];
  uint32_t length;
  bool alarm;

  void start(uint32_t window, uint32_t min_set, uint32_t clear) {
    w = window, m = min_set, clear_below = clear, length = 0, alarm = false;
  }
  PersistenceEvent push(bool candidate) {
    history[length++] = candidate;
    uint32_t set = 0;
    for (uint32_t i = length > w ? length - w : 0; i < length; ++i) set += history[i] ? 1u : 0u;
    if (!alarm && set >= m) {
      alarm = true;
      return PersistenceEvent::kRaised;
    }
    if (alarm && set < clear_below) {
      alarm = false;
      return PersistenceEvent::kCleared;
    }
    return PersistenceEvent::kNone;
  }
  uint32_t last_set() const {
    uint32_t set = 0;
    for (uint32_t i = length > w ? length - w : 0; i < length; ++i) set += history[i] ? 1u : 0u;
    return set;
  }
};

Reference g_reference;

TMF_TEST(DetectPersistence, ExhaustiveShortStreams) {
  const uint32_t length = 10;
  uint32_t checked = 0;
  for (uint32_t w = 1; w <= 6; ++w) {
    for (uint32_t m = 1; m <= w; ++m) {
      for (uint32_t clear = 1; clear <= m; ++clear) {
        for (uint32_t stream = 0; stream < (1u << length); ++stream) {
          Persistence p{};
          TMF_ASSERT(persistence_init(&p, {w, m, clear}) == DetectStatus::kOk);
          g_reference.start(w, m, clear);
          for (uint32_t t = 0; t < length; ++t) {
            const bool candidate = (stream >> t) & 1u;
            const PersistenceEvent want = g_reference.push(candidate);
            const PersistenceEvent got = persistence_push(&p, candidate);
            if (got != want || p.alarm != g_reference.alarm ||
                persistence_set_count(p) != g_reference.last_set()) {
              TMF_EXPECT_EQ(static_cast<int>(got), static_cast<int>(want));
              TMF_EXPECT_EQ(p.alarm, g_reference.alarm);
              TMF_EXPECT_EQ(persistence_set_count(p), g_reference.last_set());
              return;
            }
            ++checked;
          }
        }
      }
    }
  }
  TMF_EXPECT(checked > 500000);
}

TMF_TEST(DetectPersistence, LongRandomStreamsUpToWindow64) {
  const uint32_t windows[6] = {1, 7, 31, 32, 63, 64};
  for (uint32_t wi = 0; wi < 6; ++wi) {
    const uint32_t w = windows[wi];
    for (uint32_t trial = 0; trial < 4; ++trial) {
      g_rng = 1000 * wi + trial;
      const uint32_t m = 1 + next_u32() % w;
      const uint32_t clear = 1 + next_u32() % m;
      // Bursty streams: the candidate probability changes every 50 windows.
      Persistence p{};
      TMF_ASSERT(persistence_init(&p, {w, m, clear}) == DetectStatus::kOk);
      g_reference.start(w, m, clear);
      uint32_t raised = 0, percent = 0;
      for (uint32_t t = 0; t < 4000; ++t) {
        if (t % 50 == 0) percent = next_u32() % 101;
        const bool candidate = next_u32() % 100 < percent;
        const PersistenceEvent want = g_reference.push(candidate);
        const PersistenceEvent got = persistence_push(&p, candidate);
        raised += want == PersistenceEvent::kRaised ? 1u : 0u;
        if (got != want || p.alarm != g_reference.alarm ||
            persistence_set_count(p) != g_reference.last_set()) {
          TMF_EXPECT_EQ(static_cast<int>(got), static_cast<int>(want));
          TMF_EXPECT_EQ(p.alarm, g_reference.alarm);
          return;
        }
      }
      TMF_EXPECT(raised >= 1);  // the stream does exercise raising
    }
  }
}

TMF_TEST(DetectPersistence, ResetEmptiesTheRing) {
  Persistence p{};
  TMF_ASSERT(persistence_init(&p, {4, 2, 1}) == DetectStatus::kOk);
  TMF_EXPECT(persistence_push(&p, true) == PersistenceEvent::kNone);
  TMF_EXPECT(persistence_push(&p, true) == PersistenceEvent::kRaised);
  persistence_reset(&p);
  TMF_EXPECT(!p.alarm);
  TMF_EXPECT_EQ(persistence_set_count(p), 0);
  TMF_EXPECT(persistence_push(&p, true) == PersistenceEvent::kNone);
}

TMF_TEST(DetectPersistence, RejectsBadConfigs) {
  Persistence p{};
  TMF_EXPECT(persistence_init(&p, {64, 64, 64}) == DetectStatus::kOk);
  TMF_EXPECT(persistence_init(&p, {0, 1, 1}) == DetectStatus::kErrBadConfig);
  TMF_EXPECT(persistence_init(&p, {65, 1, 1}) == DetectStatus::kErrBadConfig);
  TMF_EXPECT(persistence_init(&p, {4, 0, 1}) == DetectStatus::kErrBadConfig);
  TMF_EXPECT(persistence_init(&p, {4, 5, 1}) == DetectStatus::kErrBadConfig);
  TMF_EXPECT(persistence_init(&p, {4, 3, 0}) == DetectStatus::kErrBadConfig);
  TMF_EXPECT(persistence_init(&p, {4, 3, 4}) == DetectStatus::kErrBadConfig);
  TMF_EXPECT(persistence_init(nullptr, {4, 3, 3}) == DetectStatus::kErrNullArgument);
}

}  // namespace
}  // namespace tmf::detect
