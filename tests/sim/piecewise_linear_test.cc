// PiecewiseLinear against a fine midpoint-rule integral and its own inverse: the phase of every
// synthetic component and the replay position rest on these.
#include <cmath>

#include "host/sim/piecewise_linear.h"
#include "host/sim/sim_error.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

using sim::PiecewiseLinear;

const PiecewiseLinear kProfile({{1, 2.0}, {3, 4.0}, {3, 1.0}, {6, 1.5}});

TMF_TEST(SimProfile, ValuesIncludingStepsAndEnds) {
  TMF_EXPECT(kProfile.at(-5) == 2.0);
  TMF_EXPECT(kProfile.at(2) == 3.0);
  TMF_EXPECT(kProfile.at(3) == 1.0);  // the later knot of a step holds from its time on
  TMF_EXPECT(std::fabs(kProfile.at(4.5) - 1.25) < 1e-15);
  TMF_EXPECT(kProfile.at(100) == 1.5);
  TMF_EXPECT(PiecewiseLinear(0.7).at(123) == 0.7);
}

TMF_TEST(SimProfile, IntegralMatchesMidpointRuleAndInverts) {
  // Midpoint rule with 1e-4 s steps, from 0 (negative for t < 0).
  auto numeric = [](double t) {
    const double h = 1e-4;
    double sum = 0;
    const int n = static_cast<int>(std::llround(std::fabs(t) / h));
    for (int i = 0; i < n; ++i) sum += kProfile.at((i + 0.5) * h * (t < 0 ? -1 : 1)) * h;
    return t < 0 ? -sum : sum;
  };
  for (double t : {-2.0, 0.0, 0.5, 1.0, 2.2, 3.0, 4.7, 8.0}) {
    TMF_EXPECT(std::fabs(kProfile.integral(t) - numeric(t)) < 1e-6);
    TMF_EXPECT(std::fabs(kProfile.inverse_integral(kProfile.integral(t)) - t) < 1e-12);
  }
  TMF_EXPECT(kProfile.positive());
  TMF_EXPECT(!PiecewiseLinear({{0, 1.0}, {1, 0.0}}).positive());
  TMF_EXPECT_THROWS(PiecewiseLinear({{2, 1.0}, {1, 1.0}}), sim::SimError, "knot 1 goes back in time");
}

TMF_TEST(SimProfile, CombinedKnotsKeepSteps) {
  const PiecewiseLinear speed({{1, 1.0}, {1, 2.0}});
  const PiecewiseLinear load({{0, 0.0}, {2, 1.0}});
  const PiecewiseLinear product = sim::combine_knots(speed, load, [](double s, double l) { return s * (1 + l); });
  TMF_EXPECT(std::fabs(product.at(0.999999) - 1.5) < 1e-5);
  TMF_EXPECT(product.at(1) == 3.0);
  TMF_EXPECT(product.at(2) == 4.0);
}

}  // namespace
}  // namespace tmf
