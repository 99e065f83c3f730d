// Checks shared by the learners: a feature matrix is consistent and finite. Throws TrainError
// naming the argument, row and column.
#pragma once

#include "host/train/float_model.h"

namespace tmf::train {

// `what` names the argument in messages ("healthy rows"). min_rows: the fewest rows accepted.
void check_feature_matrix(const FeatureMatrix& m, const char* what, int min_rows = 1);

}  // namespace tmf::train
