// Defect orders from the standard kinematic formulas.
#include "host/sim/bearing.h"

#include <cmath>

namespace tmf::sim {

BearingGeometry skf_6205() { return BearingGeometry{}; }

DefectOrders defect_orders(const BearingGeometry& g) {
  const double r = g.ball_diameter / g.pitch_diameter * std::cos(g.contact_angle_rad);
  DefectOrders o;
  o.bpfo = g.balls / 2.0 * (1 - r);
  o.bpfi = g.balls / 2.0 * (1 + r);
  o.bsf = g.pitch_diameter / (2 * g.ball_diameter) * (1 - r * r);
  o.ftf = 0.5 * (1 - r);
  return o;
}

}  // namespace tmf::sim
