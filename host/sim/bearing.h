// Rolling-element bearing kinematics: the defect frequencies as multiples of the shaft rate, from
// the geometry (outer race fixed, inner race turning with the shaft).
#pragma once

namespace tmf::sim {

struct BearingGeometry {
  int balls = 9;                  // number of rolling elements n
  double ball_diameter = 0.3126;  // d (any length unit, same as pitch_diameter)
  double pitch_diameter = 1.537;  // D
  double contact_angle_rad = 0;   // phi
};

// SKF 6205-2RS JEM, the drive-end bearing of the CWRU rig: 9 balls, d = 0.3126 in,
// D = 1.537 in, contact angle 0 (SKF catalogue; CWRU bearing data center).
BearingGeometry skf_6205();

// Orders (multiples of the shaft rotation frequency fr).
struct DefectOrders {
  double bpfo;  // n/2 (1 - d/D cos phi)               ball pass, outer race
  double bpfi;  // n/2 (1 + d/D cos phi)               ball pass, inner race
  double bsf;   // D/(2d) (1 - (d/D cos phi)^2)        ball spin
  double ftf;   // 1/2 (1 - d/D cos phi)               cage (fundamental train)
};
DefectOrders defect_orders(const BearingGeometry& g);

}  // namespace tmf::sim
