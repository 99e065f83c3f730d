// host/api/json_writer: the API's streaming JSON writer against nlohmann's dump and parser as the
// oracle. Strings are untrusted device text, so they are checked byte for byte against
// nlohmann::json(s).dump(..., error_handler_t::replace) over every control character, quotes,
// valid UTF-8 of each length, each kind of ill-formed sequence and random bytes; and the writer's
// output must pass nlohmann's strict parser (which rejects ill-formed UTF-8 and raw controls).
#include "host/api/json_writer.h"

#include "tests/support/tmf_test.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>

using tmf::api::JsonWriter;
using tmf::api::json_quote;

namespace {

std::string oracle(const std::string& s) {
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string hex(const std::string& s) {
  std::string out;
  char b[4];
  for (const unsigned char c : s) out += (std::snprintf(b, sizeof b, "%02x ", c), b);
  return out;
}

// Fails the test with `what` (the input that broke it) unless `ok`.
void check(TmfTestState* state, int line, bool ok, const std::string& what) {
  if (!ok) tmf_test_fail(state, __FILE__, line, what.c_str());
}
#define CHECK(ok, what) check(tmf_test_state_, __LINE__, (ok), (what))

bool parses(const std::string& text) {
  try {
    return !nlohmann::json::parse(text).is_discarded();
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

void expect_string_like_nlohmann(TmfTestState* tmf_test_state_, const std::string& s) {
  const std::string mine = json_quote(s);
  CHECK(mine == oracle(s), "not nlohmann's text for bytes " + hex(s) + ": " + mine + " vs " + oracle(s));
  CHECK(parses(mine) && nlohmann::json::parse(mine).is_string(), "not a JSON string for bytes " + hex(s));
}

TMF_TEST(JsonWriter, EscapesEveryControlCharacterQuoteAndBackslashAsNlohmannDoes) {
  for (int c = 0; c < 0x80; ++c) {
    const std::string s = std::string("a") + static_cast<char>(c) + "b";
    expect_string_like_nlohmann(tmf_test_state_, s);
    CHECK(nlohmann::json::parse(json_quote(s)).get<std::string>() == s, "byte " + std::to_string(c) + " read back differs");
  }
  expect_string_like_nlohmann(tmf_test_state_, "\"quoted\" \\path\\ \x7f");
  expect_string_like_nlohmann(tmf_test_state_, "");
}

TMF_TEST(JsonWriter, KeepsWellFormedUtf8AndReplacesEachIllFormedSubpartLikeNlohmann) {
  const char* cases[] = {
      "caf\xC3\xA9", "\xE2\x82\xAC euro", "\xF0\x9F\x98\x80 emoji", "\xEF\xBF\xBF", "\xF4\x8F\xBF\xBF",  // valid
      "\x80", "\xBF\xBF", "\xC0\x80", "\xC1\xBF", "\xE0\x80\x80", "\xE0\x9F\xBF", "\xED\xA0\x80", "\xED\xBF\xBF",
      "\xF0\x80\x80\x80", "\xF0\x8F\xBF\xBF", "\xF4\x90\x80\x80", "\xF5\x80\x80\x80", "\xFE", "\xFF\xFF",
      "\xC3", "ab\xE2\x82", "\xF0\x9F\x98", "\xE2\x82" "A", "\xF0\x9F" "A\xC3", "\xE1\x80\x41\x80\xC3\xA9\x22",
      "\xC3\x0A", "\xE2\x82\x22"};
  for (const char* c : cases) expect_string_like_nlohmann(tmf_test_state_, c);
  TMF_EXPECT(json_quote("\xE0\x80\x80") == "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");  // maximal subparts
  TMF_EXPECT(json_quote("\xF0\x9F\x98" "A") == "\"\xEF\xBF\xBD" "A\"");
}

TMF_TEST(JsonWriter, RandomBytesComeOutAsNlohmannWritesThem) {
  std::mt19937 rng(17);  // fixed: a failure is reproducible
  // Bytes drawn mostly from the interesting ranges: controls, quotes, leads and continuations.
  const std::vector<uint8_t> alphabet = {0x00, 0x01, 0x09, 0x0A, 0x1F, 0x20, 0x22, 0x5C, 0x41, 0x7F, 0x80, 0x8F,
                                         0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC2, 0xDF, 0xE0, 0xE1, 0xED, 0xEF, 0xF0,
                                         0xF1, 0xF4, 0xF5, 0xFF};
  for (int i = 0; i < 20000; ++i) {
    std::string s(rng() % 24, '\0');
    for (char& c : s) c = static_cast<char>(rng() % 4 == 0 ? rng() % 256 : alphabet[rng() % alphabet.size()]);
    const std::string mine = json_quote(s);
    if (mine != oracle(s) || !nlohmann::json::accept(mine)) {
      CHECK(false, "case " + std::to_string(i) + ", bytes " + hex(s) + ": " + mine + " vs " + oracle(s));
      return;
    }
  }
}

TMF_TEST(JsonWriter, NumbersReadBackAsTheSameValueAndType) {
  std::mt19937_64 rng(5);
  for (int i = 0; i < 20000; ++i) {
    double d;
    const uint64_t bits = rng();
    std::memcpy(&d, &bits, sizeof d);
    if (i % 4 == 0) d = static_cast<double>(static_cast<int64_t>(rng() % 2000001) - 1000000);  // integral doubles
    if (i % 4 == 1) d = static_cast<double>(static_cast<float>(static_cast<double>(rng() % 100000) / 997.0));
    JsonWriter w;
    w.value(d);
    if (!std::isfinite(d)) {
      TMF_EXPECT(w.text() == "null");
      TMF_EXPECT(nlohmann::json(d).dump() == "null");  // what nlohmann writes for them too
      continue;
    }
    const nlohmann::json j = nlohmann::json::parse(w.text());
    if (!j.is_number_float() || j.get<double>() != d) {
      CHECK(false, "double written as " + w.text());
      return;
    }
  }
  const int64_t ints[] = {0, -1, 1, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()};
  for (const int64_t n : ints) {
    JsonWriter w;
    w.value(n);
    CHECK(w.text() == nlohmann::json(n).dump(), "int64 written as " + w.text());
  }
  JsonWriter w;
  w.begin_array().value(std::numeric_limits<uint64_t>::max()).value(uint32_t{4000000000u}).value(int16_t{-7}).end_array();
  CHECK(w.text() == nlohmann::json({std::numeric_limits<uint64_t>::max(), 4000000000u, -7}).dump(), w.text());
  TMF_EXPECT(nlohmann::json::parse(w.text())[0].is_number_unsigned());
}

TMF_TEST(JsonWriter, DocumentsEqualTheSameBuiltWithNlohmann) {
  const std::optional<std::string> none, some = "x\xFFy";
  const std::optional<uint32_t> n32 = 7u;
  JsonWriter w;
  w.begin_object()
      .member("id", "dev\x01\"1\"")
      .member("empty_array", nlohmann::json::array())
      .key("empty_object").begin_object().end_object()
      .member("none", none)
      .member("some", some)
      .member("n32", n32)
      .member("flag", false)
      .member("detail", nlohmann::json{{"note", "bad \xC3"}, {"k", {1, 2.5, nullptr}}});
  w.key("list").begin_array();
  for (int i = 0; i < 3; ++i) w.begin_object().member("i", i).member("half", i / 2.0).end_object();
  w.begin_array().end_array().null().value(true).end_array().end_object();

  nlohmann::json expected = {{"id", "dev\x01\"1\""},
                             {"empty_array", nlohmann::json::array()},
                             {"empty_object", nlohmann::json::object()},
                             {"none", nullptr},
                             {"some", "x\xEF\xBF\xBDy"},
                             {"n32", 7},
                             {"flag", false},
                             {"detail", {{"note", "bad \xEF\xBF\xBD"}, {"k", {1, 2.5, nullptr}}}},
                             {"list", {{{"i", 0}, {"half", 0.0}}, {{"i", 1}, {"half", 0.5}}, {{"i", 2}, {"half", 1.0}},
                                       nlohmann::json::array(), nullptr, true}}};
  TMF_ASSERT(parses(w.text()));
  const nlohmann::json parsed = nlohmann::json::parse(w.text());
  CHECK(parsed == expected, w.text() + " vs " + expected.dump());
  TMF_EXPECT(parsed["list"][0]["half"].is_number_float());
  TMF_EXPECT(parsed["list"][1]["i"].is_number_integer());
}

}  // namespace
