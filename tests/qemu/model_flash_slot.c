// The flash slot model_runner_flash executes its model from: TMF_MODEL_SLOT_BYTES of 0xFF (erased
// flash) in section .tmf_model_slot, which tests/qemu/run_flash_model.sh replaces with a padded
// model file. C for the range initializer; a separate file so the runner's compiler cannot see the
// 0xFF contents and fold its reads of the slot.
#include <stdint.h>

#ifndef TMF_MODEL_SLOT_BYTES
#error "define TMF_MODEL_SLOT_BYTES (the slot size in bytes, a multiple of 16)"
#endif

__attribute__((section(".tmf_model_slot"), aligned(16), used))
const uint8_t tmf_model_slot[TMF_MODEL_SLOT_BYTES] = {[0 ... TMF_MODEL_SLOT_BYTES - 1] = 0xFF};

const uint32_t tmf_model_slot_bytes = TMF_MODEL_SLOT_BYTES;
