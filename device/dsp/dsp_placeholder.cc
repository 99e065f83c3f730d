// Keeps the tmf_dsp library non-empty until its first module lands.
namespace tmf::dsp {
int dsp_library_version() { return 1; }
}  // namespace tmf::dsp
