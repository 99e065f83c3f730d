// The cost model's arithmetic against hand-derived facts: loop counts read off the kernels for
// small shapes, window taps counted by brute force, a hand-made cost table summed by hand, the
// runtime flash of an op set, latency and energy from a profile, refusals naming the limit, and
// the fit recovering known coefficients.
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>

#include "host/select/cost_model.h"
#include "host/select/estimate.h"
#include "host/select/fit.h"
#include "host/select/select_error.h"
#include "tests/select/select_test_models.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

using select::KernelFamily;
using select::SelectError;

std::map<std::string, double> features_of(const Model& m, uint32_t op, KernelFamily family, std::string* key = nullptr) {
  const select::OpFeatures f = select::op_features(m, op, family);
  if (key) *key = f.key;
  return {f.values.begin(), f.values.end()};
}

TMF_TEST(OpFeatures, FullyConnectedLoopCounts) {
  test::TestModel m;
  test::make_fc_model(1, 20, 10, &m);  // blocked layout (depth % 4 == 0): units 0-7 in two groups, 8-9 single
  auto f = features_of(m.model, 0, KernelFamily::kDsp);
  TMF_EXPECT_EQ(f["fixed"], 1);
  TMF_EXPECT_EQ(f["rows"], 1);
  TMF_EXPECT_EQ(f["outputs"], 10);
  TMF_EXPECT_EQ(f["blocks"], 1);
  TMF_EXPECT_EQ(f["groups"], 2);
  TMF_EXPECT_EQ(f["group_steps16"], 2);  // 20 inputs: one step of 16 ...
  TMF_EXPECT_EQ(f["group_steps4"], 2);   // ... and one of 4, per group
  TMF_EXPECT_EQ(f["dot1_calls"], 2);
  TMF_EXPECT_EQ(f["dot1_words"], 10);
  TMF_EXPECT_EQ(f["dot1_bytes"], 0);
  TMF_EXPECT_EQ(f["pairs"], 0);
  auto r = features_of(m.model, 0, KernelFamily::kReference);
  TMF_EXPECT_EQ(r["blocked_pieces"], 8 * 5);  // 8 grouped units x 20/4 pieces
  TMF_EXPECT_EQ(r["plain_macs"], 2 * 20);

  test::make_fc_model(4, 16, 8, &m);  // 4 rows, depth % 8 == 0: rows go in pairs if scratch is reserved
  TMF_ASSERT(m.model.header->scratch_bytes >= 4 * 16);
  f = features_of(m.model, 0, KernelFamily::kDsp);
  TMF_EXPECT_EQ(f["pairs"], 2);
  TMF_EXPECT_EQ(f["groups"], 0);
  TMF_EXPECT_EQ(f["pair_expand_words"], 2 * 4);
  TMF_EXPECT_EQ(f["pair_groups"], 2 * 2);
  TMF_EXPECT_EQ(f["pair_steps8"], 2 * 2 * 2 * 2);  // pairs x groups x two row pairs x 16/8

  test::make_fc_model(1, 6, 3, &m);  // depth % 4 != 0: row-major, every unit on the one-row path
  f = features_of(m.model, 0, KernelFamily::kDsp);
  TMF_EXPECT_EQ(f["groups"], 0);
  TMF_EXPECT_EQ(f["dot1_calls"], 3);
  TMF_EXPECT_EQ(f["dot1_words"], 3);
  TMF_EXPECT_EQ(f["dot1_bytes"], 6);
}

// Taps inside the image, counted tap by tap with TFLite's SAME padding rule.
struct Taps {
  double rows = 0, taps = 0;
};
Taps brute_force_taps(int h, int w, int kh, int kw, int stride) {
  const int oh = (h + stride - 1) / stride, ow = (w + stride - 1) / stride;
  const int pad_h = std::max(0, ((oh - 1) * stride + kh - h) / 2), pad_w = std::max(0, ((ow - 1) * stride + kw - w) / 2);
  Taps t;
  for (int oy = 0; oy < oh; ++oy) {
    for (int ox = 0; ox < ow; ++ox) {
      bool any_row = false;
      for (int fy = 0; fy < kh; ++fy) {
        const int y = oy * stride - pad_h + fy;
        if (y < 0 || y >= h) continue;
        any_row = true;
        t.rows += 1;
        for (int fx = 0; fx < kw; ++fx) {
          const int x = ox * stride - pad_w + fx;
          if (x >= 0 && x < w) t.taps += 1;
        }
      }
      (void)any_row;
    }
  }
  return t;
}

TMF_TEST(OpFeatures, ConvolutionCountsOnlyTapsInsideTheImage) {
  for (auto [h, w, kh, kw, stride] : std::vector<std::array<int, 5>>{{5, 7, 3, 3, 2}, {1, 32, 1, 5, 1}, {6, 6, 4, 2, 1}}) {
    test::TestModel m;
    const int cin = 3, cout = 5;
    test::make_conv_model(h, w, cin, cout, kh, kw, stride, true, &m);
    const Taps t = brute_force_taps(h, w, kh, kw, stride);
    std::string key;
    auto r = features_of(m.model, 0, KernelFamily::kReference, &key);
    TMF_EXPECT(key == "CONV_2D");
    const double pixels = ((h + stride - 1) / stride) * ((w + stride - 1) / stride);
    TMF_EXPECT_EQ(r["pixels"], pixels);
    TMF_EXPECT_EQ(r["outputs"], pixels * cout);
    TMF_EXPECT_EQ(r["row_visits"], t.rows * cout);
    TMF_EXPECT_EQ(r["tap_visits"], t.taps * cout);
    TMF_EXPECT_EQ(r["macs"], t.taps * cout * cin);
    // The DSP kernel gathers every tap (padded ones as zeros) and pairs output channels.
    auto d = features_of(m.model, 0, KernelFamily::kDsp, &key);
    TMF_EXPECT(key == "CONV_2D");
    TMF_EXPECT_EQ(d["gather_values"], pixels * kh * kw * cin);
    TMF_EXPECT_EQ(d["dot2_calls"], pixels * 3);  // 5 channels: 2 pairs + the odd one
    TMF_EXPECT_EQ(d["dot2_steps4"], pixels * 3 * (kh * kw * cin / 4));
    TMF_EXPECT_EQ(d["dot2_tail"], pixels * 3 * (kh * kw * cin % 4));
  }
}

// A table with round coefficients; the test sums them by hand.
nlohmann::json hand_table() {
  const nlohmann::json fc_dsp = {{"fixed", 100},        {"rows", 10},         {"outputs", 7},
                                 {"per_channel_outputs", 1000}, {"blocks", 50}, {"groups", 20},
                                 {"group_steps16", 86}, {"group_steps4", 21}, {"dot1_calls", 30},
                                 {"dot1_words", 9},     {"dot1_bytes", 5},    {"pairs", 1000},
                                 {"pair_expand_words", 1000}, {"pair_groups", 1000}, {"pair_steps8", 1000}};
  return {{"format", 1},
          {"cores",
           {{"cortex-m4",
             {{"kernels", "dsp"},
              {"ops", {{"FULLY_CONNECTED", {{"coefficients", fc_dsp}, {"stack_bytes", 300}}}}},
              {"runtime_flash",
               {{"base_bytes", 2000}, {"kernel_bytes", {{"fully_connected", 2700}, {"conv_2d", 4000}}}, {"static_ram_bytes", 8}}}}}}}};
}

// TRANSPOSE and STRIDED_SLICE copy one element per output in a 4-D loop nest whose three outer
// loops run once per output row (transpose.cc, strided_slice.cc).
TMF_TEST(OpFeatures, CopyOpsCountRowsAndOutputs) {
  test::TestModel t, s;
  test::make_format_1_2_model(kOpTranspose, &t);  // out [1, 5, 4, 3]
  test::make_format_1_2_model(kOpStridedSlice, &s);  // out [1, 2, 3, 3]
  std::string key;
  auto f = features_of(t.model, 0, KernelFamily::kReference, &key);
  TMF_EXPECT(key == "TRANSPOSE");
  TMF_EXPECT_EQ(f["rows"], 20.0);
  TMF_EXPECT_EQ(f["outputs"], 60.0);
  f = features_of(s.model, 0, KernelFamily::kDsp, &key);
  TMF_EXPECT(key == "STRIDED_SLICE");
  TMF_EXPECT_EQ(f["rows"], 6.0);
  TMF_EXPECT_EQ(f["outputs"], 18.0);
}

// TRANSPOSE_CONV 2x2 -> 5x5 (3x3 filter, stride 2, VALID, pad 0): per output row (column) o the
// taps t = o % 2, o % 2 + 2, ... below min(o + 1, 3) whose input row (o - t) / 2 is inside the
// 2-row input: 1, 1, 2, 1, 1 (6; o = 4's tap 0 would read row 2): row visits 6 x 5 columns, taps
// 6 x 6 = every one of the 4 x 9 scattered products. SVDF [1,4],
// 2 filters, memory 3: 2 filter rows, 2 x 4 feature and 2 x 3 time products.
TMF_TEST(OpFeatures, TransposeConvAndSvdfCountTheirLoopsByHand) {
  test::TestModel t, s;
  test::make_format_1_3_model(kOpTransposeConv, &t);
  test::make_format_1_3_model(kOpSvdf, &s);
  std::string key;
  auto f = features_of(t.model, 0, KernelFamily::kDsp, &key);
  TMF_EXPECT(key == "TRANSPOSE_CONV");
  TMF_EXPECT_EQ(f["pixels"], 25.0);
  TMF_EXPECT_EQ(f["outputs"], 25.0);
  TMF_EXPECT_EQ(f["row_visits"], 30.0);
  TMF_EXPECT_EQ(f["taps"], 36.0);
  TMF_EXPECT_EQ(f["macs"], 36.0);
  f = features_of(s.model, 0, KernelFamily::kReference, &key);
  TMF_EXPECT(key == "SVDF");
  TMF_EXPECT_EQ(f["filter_rows"], 2.0);
  TMF_EXPECT_EQ(f["feature_macs"], 8.0);
  TMF_EXPECT_EQ(f["time_macs"], 6.0);
  TMF_EXPECT_EQ(f["outputs"], 2.0);
}

TMF_TEST(CostModel, HandMadeTableSummedByHand) {
  const select::CostTable table = select::cost_table_from_json(hand_table(), "hand.json");
  test::TestModel m;
  test::make_fc_model(1, 20, 10, &m);
  const auto p = select::predict_instructions(m.model, select::core_costs(table, "cortex-m4"), "cortex-m4", table.source);
  // fixed + rows + 10 outputs + 1 block + 2 groups x (1 step16 + 1 step4) + 2 single units x 5 words
  const double expected = 100 + 10 + 7 * 10 + 50 + 20 * 2 + 86 * 2 + 21 * 2 + 30 * 2 + 9 * 10;
  TMF_EXPECT_EQ(p.instructions, expected);
  TMF_EXPECT_EQ(p.ops.size(), 1u);
  TMF_EXPECT_EQ(p.stack_bytes, 300);

  test::TestModel two;
  test::make_two_fc_model(8, 4, 4, &two);
  // Two ops of one kernel: the runtime links it once.
  TMF_EXPECT_EQ(select::predict_runtime_flash(two.model, select::core_costs(table, "cortex-m4"), "cortex-m4", "hand.json"),
                2000 + 2700);
}

TMF_TEST(CostModel, MissingEntriesAreErrorsNotZeros) {
  const select::CostTable table = select::cost_table_from_json(hand_table(), "hand.json");
  test::TestModel conv;
  test::make_conv_model(4, 4, 4, 4, 3, 3, 1, true, &conv);
  TMF_EXPECT_THROWS(select::predict_instructions(conv.model, select::core_costs(table, "cortex-m4"), "cortex-m4", "hand.json"),
                    SelectError, "op 0 (CONV_2D): no cost entry 'CONV_2D' for cortex-m4 in hand.json");
  TMF_EXPECT_THROWS(select::core_costs(table, "cortex-m3"), SelectError, "no cost table for core 'cortex-m3' (has: cortex-m4)");
  nlohmann::json j = hand_table();
  j["cores"]["cortex-m4"]["ops"]["FULLY_CONNECTED"]["coefficients"].erase("blocks");
  const select::CostTable stale = select::cost_table_from_json(j, "stale.json");
  test::TestModel fc;
  test::make_fc_model(1, 8, 4, &fc);
  TMF_EXPECT_THROWS(select::predict_instructions(fc.model, select::core_costs(stale, "cortex-m4"), "cortex-m4", "stale.json"),
                    SelectError, "has no coefficient 'blocks'");
  j = hand_table();
  j["cores"]["cortex-m4"]["runtime_flash"]["kernel_bytes"].erase("fully_connected");
  TMF_EXPECT_THROWS(select::predict_runtime_flash(fc.model, select::core_costs(select::cost_table_from_json(j, "t.json"), "cortex-m4"),
                                                  "cortex-m4", "t.json"),
                    SelectError, "no flash figure for kernel 'fully_connected'");
}

TMF_TEST(CostModel, TableFieldsAreChecked) {
  nlohmann::json j = hand_table();
  j["cores"]["cortex-m4"]["kernels"] = "simd";
  TMF_EXPECT_THROWS(select::cost_table_from_json(j, "t.json"), SelectError, "t.json: cores.cortex-m4.kernels: must be");
  j = hand_table();
  j["cores"]["cortex-m4"]["ops"]["FULLY_CONNECTED"]["coefficients"]["rows"] = "ten";
  TMF_EXPECT_THROWS(select::cost_table_from_json(j, "t.json"), SelectError,
                    "t.json: cores.cortex-m4.ops.FULLY_CONNECTED.coefficients.rows: must be a number");
  j = hand_table();
  j["format"] = 2;
  TMF_EXPECT_THROWS(select::cost_table_from_json(j, "t.json"), SelectError, "t.json: format: must be 1");
  // Round trip.
  const select::CostTable t = select::cost_table_from_json(hand_table(), "t.json");
  const select::CostTable back = select::cost_table_from_json(select::cost_table_to_json(t), "t2.json");
  TMF_EXPECT(back.cores.at("cortex-m4").entries.at("FULLY_CONNECTED").coefficients ==
             t.cores.at("cortex-m4").entries.at("FULLY_CONNECTED").coefficients);
}

TMF_TEST(CostModel, EstimateOnAProfile) {
  const select::CostTable table = select::cost_table_from_json(hand_table(), "hand.json");
  test::TestModel m;
  test::make_fc_model(1, 20, 10, &m);
  nlohmann::json pj = {{"name", "board"},  {"core", "cortex-m4f"},  {"clock_hz", 50000000},     {"ram_bytes", 65536},
                       {"flash_bytes", 65536}, {"dsp_extension", true}, {"fpu", "single"},       {"supply_voltage_v", 2.0},
                       {"active_current_ma", 5.0}, {"sleep_current_ua", 1.0}, {"cycles_per_instruction", 1.5}};
  const select::Profile profile = select::profile_from_json(pj, "board.json");
  const select::CostEstimate e = select::estimate_cost(m.model, profile, table);
  const double instructions = 100 + 10 + 70 + 50 + 40 + 172 + 42 + 60 + 90;
  TMF_EXPECT_EQ(e.instructions, instructions);
  TMF_EXPECT(std::fabs(e.latency_ms - instructions * 1.5 / 50e6 * 1e3) < 1e-12);
  TMF_EXPECT(std::fabs(e.energy_uj - 2.0 * 5.0 * e.latency_ms) < 1e-12);  // mW x ms = uJ
  TMF_EXPECT_EQ(e.flash_bytes, m.model.header->file_bytes + 2000.0 + 2700.0);
  TMF_EXPECT_EQ(e.ram_bytes, m.model.header->arena_bytes + 300.0 + 8.0);
  TMF_EXPECT(e.fits());

  pj["ram_bytes"] = 200;  // less than the stack alone
  pj["flash_bytes"] = 4000;
  const select::CostEstimate small = select::estimate_cost(m.model, select::profile_from_json(pj, "b.json"), table);
  TMF_EXPECT(!small.fits());
  TMF_EXPECT_EQ(small.exceeded.size(), 2u);
  TMF_EXPECT(small.exceeded[0].find("RAM: needs") == 0 && small.exceeded[0].find("offers 200") != std::string::npos);
  TMF_EXPECT(small.exceeded[1].find("flash: needs") == 0 && small.exceeded[1].find("offers 4000") != std::string::npos);

  // A firmware's fixed model buffers: exactly the model's arena and its int8 [1, 20] input fit,
  // one byte less of either is refused (with RAM to spare).
  pj["ram_bytes"] = 65536;
  pj["flash_bytes"] = 65536;
  pj["max_arena_bytes"] = m.model.header->arena_bytes;
  pj["max_input_bytes"] = 20;
  const select::CostEstimate exact = select::estimate_cost(m.model, select::profile_from_json(pj, "fw.json"), table);
  TMF_EXPECT_EQ(exact.input_bytes, 20.0);
  TMF_EXPECT(exact.fits());
  pj["max_arena_bytes"] = m.model.header->arena_bytes - 1;
  pj["max_input_bytes"] = 19;
  const select::CostEstimate tight = select::estimate_cost(m.model, select::profile_from_json(pj, "fw.json"), table);
  TMF_EXPECT_EQ(tight.exceeded.size(), 2u);
  TMF_EXPECT(tight.exceeded[0].find("arena: needs " + std::to_string(m.model.header->arena_bytes)) == 0);
  TMF_EXPECT(tight.exceeded[1].find("input: needs 20 bytes") == 0 && tight.exceeded[1].find("holds 19") != std::string::npos);
}

TMF_TEST(Fit, RecoversKnownCoefficients) {
  // Points made from known coefficients; a column that repeats another must not break the fit.
  std::vector<select::FitPoint> points;
  for (int i = 1; i <= 12; ++i) {
    select::FitPoint p;
    p.name = "p" + std::to_string(i);
    const double a = i * 3 + (i % 4) * 17, b = (i * i) % 23 + 1;
    p.features = {"OP", {{"fixed", 1}, {"a", a}, {"b", b}, {"a_again", a}}};
    p.instructions = 40 + 2.5 * a + 11 * b;
    p.stack_bytes = 100 + i;
    points.push_back(p);
  }
  const select::CostEntry e = select::fit_entry(points);
  TMF_EXPECT(std::fabs(e.coefficients.at("fixed") - 40) < 1e-6);
  TMF_EXPECT(std::fabs(e.coefficients.at("a") + e.coefficients.at("a_again") - 2.5) < 1e-6);
  TMF_EXPECT(std::fabs(e.coefficients.at("b") - 11) < 1e-6);
  TMF_EXPECT(e.max_relative_error < 1e-9);
  TMF_EXPECT_EQ(e.points, 12);
  TMF_EXPECT_EQ(e.stack_bytes, 112);
  // A feature the data wants negative is dropped, not kept negative.
  for (auto& p : points) p.instructions -= 0.5 * p.features.values[2].second;  // b now costs 10.5
  for (auto& p : points) p.features.values.push_back({"noise", (p.name.size() % 2) * 1.0});
  const select::CostEntry f = select::fit_entry(points);
  for (const auto& [name, c] : f.coefficients) TMF_EXPECT(c >= 0);
}

}  // namespace
}  // namespace tmf
