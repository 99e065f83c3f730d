// The dataset layer against independent facts: the real bearing and run-to-failure manifests
// (counts from their READMEs, samples decoded here from the raw bytes), WAV files whose headers
// are written here field by field, malformed inputs rejected with file and field named, and
// `data import`/`data info`. Windows and splits: data_windows_test.cc.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "host/data/csv_signal.h"
#include "host/data/dataset.h"
#include "host/data/wav.h"
#include "tests/host/test_files.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

using data::DataError;

// Little-endian byte builder for hand-made files.
struct Bytes {
  std::vector<uint8_t> b;
  Bytes& tag(const char* t) {
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(t[i]));
    return *this;
  }
  Bytes& u8(uint8_t v) {
    b.push_back(v);
    return *this;
  }
  Bytes& u16(uint16_t v) { return u8(v & 0xff).u8(v >> 8); }
  Bytes& u24(uint32_t v) { return u8(v & 0xff).u8((v >> 8) & 0xff).u8((v >> 16) & 0xff); }
  Bytes& u32(uint32_t v) { return u16(v & 0xffff).u16(v >> 16); }
  Bytes& f32(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    return u32(u);
  }
};

// A canonical 44-byte-header WAV: RIFF, fmt (16 bytes), data.
std::vector<uint8_t> make_wav(uint16_t format, uint16_t channels, uint32_t rate, uint16_t bits,
                              const std::vector<uint8_t>& data) {
  const uint16_t align = channels * bits / 8;
  Bytes w;
  w.tag("RIFF").u32(36 + data.size()).tag("WAVE");
  w.tag("fmt ").u32(16).u16(format).u16(channels).u32(rate).u32(rate * align).u16(align).u16(bits);
  w.tag("data").u32(data.size());
  w.b.insert(w.b.end(), data.begin(), data.end());
  return w.b;
}

std::string write_temp(const std::string& name, const std::vector<uint8_t>& bytes) {
  const std::string path = test::temp_path(name);
  test::write_bytes(path, bytes);
  return path;
}

std::vector<uint8_t> text_bytes(const std::string& s) { return std::vector<uint8_t>(s.begin(), s.end()); }

std::vector<uint8_t> f32_bytes(const std::vector<float>& v) {
  Bytes b;
  for (float f : v) b.f32(f);
  return b.b;
}

// A dataset folder with the given manifest text and files of the given sizes (in bytes).
std::string make_dataset(const std::string& name, const std::string& manifest,
                         const std::map<std::string, size_t>& files) {
  const std::string dir = test::temp_path(name);
  std::filesystem::create_directories(dir);
  test::write_bytes(dir + "/manifest.csv", text_bytes(manifest));
  for (const auto& [file, bytes] : files) test::write_bytes(dir + "/" + file, std::vector<uint8_t>(bytes));
  return dir;
}

// ---------------------------------------------------------------- manifests

TMF_TEST(DataManifest, BearingCountsMatchReadme) {
  const data::Dataset ds = data::dataset_read(test::shared_path("data/bearing"));
  TMF_ASSERT(ds.recordings.size() == 43);
  TMF_EXPECT(ds.condition_column == "condition");
  TMF_EXPECT(ds.samples_column == "num_samples");
  TMF_EXPECT_EQ(ds.columns.size(), 18);
  std::map<std::string, int> count;
  uint64_t samples = 0;
  for (const data::Recording& r : ds.recordings) {
    ++count[r.condition];
    samples += r.num_samples;
    TMF_EXPECT(r.sample_rate_hz == 12000.0);
    TMF_EXPECT(r.number("sample_rate_hz") == 12000.0);
    TMF_EXPECT(r.field("channel") == "DE");
  }
  TMF_EXPECT_EQ(count.size(), 4);
  TMF_EXPECT_EQ(count["normal"], 1);
  TMF_EXPECT_EQ(count["inner_race"], 11);
  TMF_EXPECT_EQ(count["ball"], 11);
  TMF_EXPECT_EQ(count["outer_race"], 20);
  TMF_EXPECT_EQ(samples, 5161203);
  // Raw text by column name, including an empty field and one with a space.
  const data::Recording& first = ds.recordings[0];
  TMF_EXPECT(first.file == "cwru_de12k_ball_007_1hp.f32");
  TMF_EXPECT(first.field("outer_race_position").empty());
  TMF_EXPECT(first.field("original_file") == "Data/1772 RPM/1772_B_7_DE12.npz");
  TMF_EXPECT(first.number("fault_size_in") == 0.007);
  TMF_EXPECT(first.number("rpm") == 1772.0);
  TMF_EXPECT_THROWS(first.number("outer_race_position"), DataError,
                    "manifest.csv:2: column 'outer_race_position': '' is not a number");
  TMF_EXPECT_THROWS(first.field("no_such_column"), DataError, "manifest.csv:2: no column 'no_such_column'");
}

TMF_TEST(DataManifest, BearingLoadEqualsIndependentDecode) {
  const data::Dataset ds = data::dataset_read(test::shared_path("data/bearing"));
  for (size_t i : {size_t{0}, size_t{17}, ds.recordings.size() - 1}) {
    const data::Recording& r = ds.recordings[i];
    const std::vector<float> x = r.load();
    TMF_ASSERT(x.size() == r.num_samples);
    const std::vector<uint8_t> raw = test::read_bytes(test::shared_path("data/bearing/" + r.file));
    TMF_ASSERT(raw.size() == r.num_samples * 4);
    for (size_t k : {size_t{0}, size_t{1}, size_t{2}, size_t{3}, size_t{1000}, x.size() - 1}) {
      const uint32_t u = raw[4 * k] | raw[4 * k + 1] << 8 | raw[4 * k + 2] << 16 |
                         static_cast<uint32_t>(raw[4 * k + 3]) << 24;
      float expected;
      std::memcpy(&expected, &u, 4);
      TMF_EXPECT(x[k] == expected);
    }
  }
}

TMF_TEST(DataManifest, RunToFailureLayout) {
  const data::Dataset ds = data::dataset_read(test::shared_path("data/run_to_failure"));
  TMF_EXPECT_EQ(ds.recordings.size(), 3780);
  TMF_EXPECT(ds.condition_column == "bearing");
  TMF_EXPECT(ds.samples_column == "n_samples");
  std::map<std::string, int> per_bearing;
  for (const data::Recording& r : ds.recordings) {
    ++per_bearing[r.condition];
    TMF_EXPECT_EQ(r.num_samples, 2560);
    TMF_EXPECT(r.sample_rate_hz == 25600.0);
  }
  // Kept snapshots x 2 channels, from the README's table.
  TMF_EXPECT_EQ(per_bearing["Bearing1_1"], 2 * 702);
  TMF_EXPECT_EQ(per_bearing["Bearing1_2"], 2 * 219);
  TMF_EXPECT_EQ(per_bearing["Bearing2_1"], 2 * 229);
  TMF_EXPECT_EQ(per_bearing["Bearing2_2"], 2 * 200);
  TMF_EXPECT_EQ(per_bearing["Bearing3_1"], 2 * 130);
  TMF_EXPECT_EQ(per_bearing["Bearing3_2"], 2 * 410);
  TMF_EXPECT(ds.recordings[0].field("channel") == "horiz");
  TMF_EXPECT(ds.recordings[1].field("channel") == "vert");
  TMF_EXPECT(ds.recordings[0].number("index_in_run") == 0.0);
  TMF_EXPECT_EQ(ds.recordings[0].load().size(), 2560);
}

TMF_TEST(DataManifest, MalformedManifestsNameFileLineAndField) {
  const std::string header = "file,condition,sample_rate_hz,num_samples\n";
  std::string dir = make_dataset("m_rate", header + "a.f32,normal,100,2\nb.f32,ball,abc,2\n",
                                 {{"a.f32", 8}, {"b.f32", 8}});
  TMF_EXPECT_THROWS(data::dataset_read(dir), DataError,
                    (dir + "/manifest.csv:3: column 'sample_rate_hz': 'abc' is not a number").c_str());
  dir = make_dataset("m_missing", header + "a.f32,normal,100,2\ngone.f32,ball,100,2\n", {{"a.f32", 8}});
  TMF_EXPECT_THROWS(data::dataset_read(dir), DataError, "manifest.csv:3: file 'gone.f32' is missing");
  dir = make_dataset("m_size", header + "a.f32,normal,100,3\n", {{"a.f32", 8}});
  TMF_EXPECT_THROWS(data::dataset_read(dir), DataError, "8 bytes, but");
  TMF_EXPECT_THROWS(data::dataset_read(dir), DataError, "column 'num_samples' says 3 float32 samples");
  dir = make_dataset("m_count", header + "a.f32,normal,100,x2\n", {{"a.f32", 8}});
  TMF_EXPECT_THROWS(data::dataset_read(dir), DataError, "column 'num_samples': 'x2' is not a whole number");
  dir = make_dataset("m_fields", header + "a.f32,normal,100\n", {{"a.f32", 8}});
  TMF_EXPECT_THROWS(data::dataset_read(dir), DataError, "manifest.csv:2: 3 fields, the header has 4");
  dir = make_dataset("m_nocol", "file,condition,num_samples\na.f32,normal,2\n", {{"a.f32", 8}});
  TMF_EXPECT_THROWS(data::dataset_read(dir), DataError, "manifest.csv:1: missing column 'sample_rate_hz'");
  dir = make_dataset("m_nolabel", "file,sample_rate_hz\na.f32,100\n", {{"a.f32", 8}});
  TMF_EXPECT_THROWS(data::dataset_read(dir), DataError, "missing column 'condition' (or 'bearing')");
  dir = make_dataset("m_twice", header + "a.f32,normal,100,2\na.f32,ball,100,2\n", {{"a.f32", 8}});
  TMF_EXPECT_THROWS(data::dataset_read(dir), DataError, "manifest.csv:3: file 'a.f32' is listed twice");
  dir = make_dataset("m_odd", "file,condition,sample_rate_hz\na.f32,normal,100\n", {{"a.f32", 7}});
  TMF_EXPECT_THROWS(data::dataset_read(dir), DataError, "7 bytes is not a whole number of float32 samples");
  dir = make_dataset("m_quote", header + "\"a.f32\",normal,100,2\n", {{"a.f32", 8}});
  TMF_EXPECT_THROWS(data::dataset_read(dir), DataError, "manifest.csv:2: quoted fields are not supported");
  dir = make_dataset("m_rate0", header + "a.f32,normal,0,2\n", {{"a.f32", 8}});
  TMF_EXPECT_THROWS(data::dataset_read(dir), DataError, "'0' is not a positive rate");
  TMF_EXPECT_THROWS(data::dataset_read(test::temp_path("no_such_dir")), DataError,
                    "no_such_dir/manifest.csv: cannot open");
}

TMF_TEST(DataManifest, CountFromFileSizeAndCrlfAndLoadRecheck) {
  // No count column: the size decides. CRLF line ends and a blank last line are accepted.
  const std::string dir = make_dataset(
      "m_crlf", "file,bearing,sample_rate_hz\r\nx.f32,B1,25600\r\n\r\n", {});
  test::write_bytes(dir + "/x.f32", f32_bytes({1.5f, -2.0f, 3.25f}));
  const data::Dataset ds = data::dataset_read(dir);
  TMF_ASSERT(ds.recordings.size() == 1);
  TMF_EXPECT(ds.samples_column.empty());
  TMF_EXPECT(ds.recordings[0].condition == "B1");
  TMF_EXPECT_EQ(ds.recordings[0].num_samples, 3);
  TMF_EXPECT(ds.recordings[0].load() == std::vector<float>({1.5f, -2.0f, 3.25f}));
  // The file shrinks after the manifest was read: load() notices.
  test::write_bytes(dir + "/x.f32", f32_bytes({1.5f}));
  TMF_EXPECT_THROWS(ds.recordings[0].load(), DataError, "x.f32: 4 bytes, but");
}

TMF_TEST(DataManifest, MultiChannelRecordingsAreInterleavedFrames) {
  // Two 3-channel frames (x, y, z) and a 1-channel file in one folder: counts are per channel.
  const std::string dir = make_dataset(
      "m_channels", "file,condition,sample_rate_hz,num_samples,channels\nxyz.f32,normal,100,2,3\n", {});
  test::write_bytes(dir + "/xyz.f32", f32_bytes({1, 10, 100, 2, 20, 200}));
  const data::Dataset ds = data::dataset_read(dir);
  TMF_ASSERT(ds.recordings.size() == 1);
  TMF_EXPECT_EQ(ds.recordings[0].channels, 3u);
  TMF_EXPECT_EQ(ds.recordings[0].num_samples, 2u);
  TMF_EXPECT_EQ(ds.channels(), 3u);
  TMF_EXPECT(ds.recordings[0].load() == std::vector<float>({1, 10, 100, 2, 20, 200}));
  TMF_EXPECT(ds.recordings[0].load_planar() == std::vector<float>({1, 2, 10, 20, 100, 200}));
  // Without a count column the size gives whole frames; a partial frame is an error.
  std::string d2 = make_dataset("m_channels2", "file,condition,sample_rate_hz,channels\na.f32,normal,100,2\n",
                                {{"a.f32", 24}});
  TMF_EXPECT_EQ(data::dataset_read(d2).recordings[0].num_samples, 3u);
  d2 = make_dataset("m_channels3", "file,condition,sample_rate_hz,channels\na.f32,normal,100,2\n", {{"a.f32", 20}});
  TMF_EXPECT_THROWS(data::dataset_read(d2), DataError, "is not a whole number of 2-channel frames");
  d2 = make_dataset("m_channels4", "file,condition,sample_rate_hz,num_samples,channels\na.f32,normal,100,3,2\n",
                    {{"a.f32", 12}});
  TMF_EXPECT_THROWS(data::dataset_read(d2), DataError, "says 3 float32 samples of 2 channels (24 bytes)");
  d2 = make_dataset("m_channels5", "file,condition,sample_rate_hz,channels\na.f32,normal,100,9\n", {{"a.f32", 36}});
  TMF_EXPECT_THROWS(data::dataset_read(d2), DataError, "column 'channels': '9' is not a whole number in 1..8");
  d2 = make_dataset("m_channels6", "file,condition,sample_rate_hz,channels\na.f32,normal,100,1\nb.f32,x,100,2\n",
                    {{"a.f32", 8}, {"b.f32", 8}});
  TMF_EXPECT_THROWS(data::dataset_read(d2).channels(), DataError, "must share one channel count");
}

// ---------------------------------------------------------------- WAV

TMF_TEST(DataWav, ReadsEveryPcmWidthAndFloat) {
  // 8-bit is unsigned with 128 as zero; wider PCM is signed two's complement; scale 2^(bits-1).
  {
    const std::string p = write_temp("pcm8.wav", make_wav(1, 1, 8000, 8, {0, 128, 255, 64}));
    const data::WavSignal s = data::wav_read(p);
    TMF_EXPECT_EQ(s.info.bits_per_sample, 8);
    TMF_EXPECT_EQ(s.info.sample_rate_hz, 8000);
    TMF_EXPECT(s.samples == std::vector<float>({-1.0f, 0.0f, 127 / 128.0f, -0.5f}));
  }
  {
    Bytes d;
    d.u16(0x8000).u16(0).u16(0x7fff).u16(static_cast<uint16_t>(-12345));
    const data::WavSignal s = data::wav_read(write_temp("pcm16.wav", make_wav(1, 1, 16000, 16, d.b)));
    TMF_EXPECT(s.samples == std::vector<float>({-1.0f, 0.0f, 32767 / 32768.0f, -12345 / 32768.0f}));
  }
  {
    Bytes d;
    d.u24(0x800000).u24(0x000001).u24(0x7fffff).u24(0xffffff).u24(0xC00000);
    const data::WavSignal s = data::wav_read(write_temp("pcm24.wav", make_wav(1, 1, 48000, 24, d.b)));
    TMF_EXPECT(s.samples == std::vector<float>({-1.0f, 1 / 8388608.0f,
                                                static_cast<float>(8388607 / 8388608.0),
                                                -1 / 8388608.0f, -0.5f}));
  }
  {
    Bytes d;
    d.u32(0x80000000u).u32(0x40000000u).u32(0xffffffffu);
    const data::WavSignal s = data::wav_read(write_temp("pcm32.wav", make_wav(1, 1, 44100, 32, d.b)));
    TMF_EXPECT(s.samples == std::vector<float>({-1.0f, 0.5f, static_cast<float>(-1 / 2147483648.0)}));
  }
  {
    const std::vector<float> v = {0.25f, -3.5f, 1e-7f, 12345.678f};
    const data::WavSignal s = data::wav_read(write_temp("f32.wav", make_wav(3, 1, 12000, 32, f32_bytes(v))));
    TMF_EXPECT(s.info.format == data::WavFormat::kWavFormatFloat);
    TMF_EXPECT(s.samples == v);
  }
}

TMF_TEST(DataWav, PicksChannelSkipsChunksAndReadsExtensible) {
  // Stereo 16-bit, frames (L, R) = (100, -100), (200, -200), (300, -300); a LIST chunk of odd
  // size (padded to even) sits between fmt and data.
  Bytes d;
  for (int16_t v : {100, 200, 300}) d.u16(static_cast<uint16_t>(v)).u16(static_cast<uint16_t>(-v));
  Bytes w;
  w.tag("RIFF").u32(4 + 24 + (8 + 3 + 1) + 8 + d.b.size()).tag("WAVE");
  w.tag("fmt ").u32(16).u16(1).u16(2).u32(8000).u32(8000 * 4).u16(4).u16(16);
  w.tag("LIST").u32(3).u8('a').u8('b').u8('c').u8(0);
  w.tag("data").u32(d.b.size());
  w.b.insert(w.b.end(), d.b.begin(), d.b.end());
  const std::string p = write_temp("stereo.wav", w.b);
  const data::WavSignal right = data::wav_read(p, 1);
  TMF_EXPECT_EQ(right.info.channels, 2);
  TMF_EXPECT_EQ(right.info.frames, 3);
  TMF_EXPECT(right.samples == std::vector<float>({-100 / 32768.0f, -200 / 32768.0f, -300 / 32768.0f}));
  TMF_EXPECT(data::wav_read(p, 0).samples[2] == 300 / 32768.0f);
  TMF_EXPECT_THROWS(data::wav_read(p, 2), DataError, "channel 2 requested, the file has 2");

  // WAVE_FORMAT_EXTENSIBLE, 24-bit PCM sub-format: fmt is 40 bytes.
  Bytes e;
  const std::vector<uint8_t> samples = Bytes().u24(0x400000).u24(0xC00000).b;
  e.tag("RIFF").u32(4 + 48 + 8 + samples.size()).tag("WAVE");
  e.tag("fmt ").u32(40).u16(0xFFFE).u16(1).u32(96000).u32(96000 * 3).u16(3).u16(24);
  e.u16(22).u16(24).u32(4);  // cbSize, valid bits, channel mask
  e.u16(1).u16(0).u32(0x00100000).u32(0xAA000080).u32(0x719B3800);  // KSDATAFORMAT_SUBTYPE_PCM
  e.tag("data").u32(samples.size());
  e.b.insert(e.b.end(), samples.begin(), samples.end());
  const data::WavSignal x = data::wav_read(write_temp("ext24.wav", e.b));
  TMF_EXPECT(x.info.format == data::WavFormat::kWavFormatPcm);
  TMF_EXPECT(x.samples == std::vector<float>({0.5f, -0.5f}));
}

TMF_TEST(DataWav, WriteF32MonoMatchesHandBuiltHeaderAndRoundTrips) {
  const std::vector<float> v = {0.0f, 1.0f, -1.0f, 0.1f, -123.5f};
  const std::string p = test::temp_path("written.wav");
  data::wav_write_f32_mono(p, v, 22050);
  TMF_EXPECT(test::read_bytes(p) == make_wav(3, 1, 22050, 32, f32_bytes(v)));
  TMF_EXPECT(!std::filesystem::exists(p + ".tmp"));
  const data::WavSignal s = data::wav_read(p);
  TMF_EXPECT_EQ(s.info.sample_rate_hz, 22050);
  TMF_EXPECT(s.samples == v);
}

TMF_TEST(DataWav, RejectsMalformedFilesNamingFileAndField) {
  const std::vector<uint8_t> good = make_wav(1, 1, 8000, 16, {1, 0, 2, 0});
  const auto rejects = [&](const std::string& name, std::vector<uint8_t> bytes, const std::string& what) {
    const std::string p = write_temp(name, bytes);
    bool thrown = false;
    try {
      data::wav_read(p);
    } catch (const DataError& e) {
      thrown = std::string(e.what()).find(p + ": " + what) != std::string::npos;
      if (!thrown) tmf_test_print((std::string("unexpected message: ") + e.what() + "\n").c_str());
    }
    return thrown;
  };
  std::vector<uint8_t> b = good;
  b[0] = 'X';
  TMF_EXPECT(rejects("bad_riff.wav", b, "RIFF header: tag 'XIFF', expected 'RIFF'"));
  b = good;
  b[8] = 'A';
  TMF_EXPECT(rejects("bad_wave.wav", b, "RIFF header: form 'AAVE', expected 'WAVE'"));
  b = good;
  b[4] = 200;  // RIFF size past the end
  TMF_EXPECT(rejects("bad_size.wav", b, "RIFF header: size 200 does not fit the file"));
  b = good;
  b.resize(b.size() - 2);  // data chunk says 4 bytes, 2 present
  b[4] -= 2;
  TMF_EXPECT(rejects("short_data.wav", b, "chunk 'data' at byte 36: size 4 runs past the end"));
  b = good;
  b[32] = 3;  // block_align
  TMF_EXPECT(rejects("bad_align.wav", b, "fmt chunk: block_align 3, expected 2"));
  b = good;
  b[28] = 1;  // byte_rate low byte
  TMF_EXPECT(rejects("bad_rate.wav", b, "fmt chunk: byte_rate"));
  TMF_EXPECT(rejects("pcm12.wav", make_wav(1, 1, 8000, 12, {0, 0, 0, 0}), "fmt chunk: bits_per_sample 12"));
  TMF_EXPECT(rejects("f64.wav", make_wav(3, 1, 8000, 64, std::vector<uint8_t>(8)), "fmt chunk: bits_per_sample 64"));
  TMF_EXPECT(rejects("adpcm.wav", make_wav(2, 1, 8000, 16, {0, 0}), "fmt chunk: audio_format 2 is not supported"));
  TMF_EXPECT(rejects("zero_ch.wav", make_wav(1, 0, 8000, 16, {}), "fmt chunk: channels is 0"));
  TMF_EXPECT(rejects("frames.wav", make_wav(1, 1, 8000, 16, {0, 0, 0}), "data chunk: size 3 is not a whole number of frames"));
  Bytes nodata;
  nodata.tag("RIFF").u32(28).tag("WAVE").tag("fmt ").u32(16).u16(1).u16(1).u32(8000).u32(16000).u16(2).u16(16);
  TMF_EXPECT(rejects("nodata.wav", nodata.b, "no 'data' chunk"));
  Bytes early;
  early.tag("RIFF").u32(16).tag("WAVE").tag("data").u32(4).u32(0);
  TMF_EXPECT(rejects("early.wav", early.b, "'data' chunk before the 'fmt ' chunk"));
  TMF_EXPECT(rejects("tiny.wav", {'R', 'I', 'F', 'F'}, "too short for a RIFF header"));
}

// ---------------------------------------------------------------- CSV signals

TMF_TEST(DataCsv, HeaderOptionalColumnByNameOrIndex) {
  const std::string one = write_temp("one.csv", text_bytes("vib\n1.5\n-2\n\n3e-1\n"));
  const data::CsvSignal a = data::csv_signal_read(one);
  TMF_EXPECT(a.header == std::vector<std::string>({"vib"}));
  TMF_EXPECT(a.samples == std::vector<float>({1.5f, -2.0f, 0.3f}));
  const std::string bare = write_temp("bare.csv", text_bytes("4\r\n5\r\n"));
  const data::CsvSignal b = data::csv_signal_read(bare);
  TMF_EXPECT(b.header.empty());
  TMF_EXPECT(b.samples == std::vector<float>({4.0f, 5.0f}));
  const std::string multi = write_temp("multi.csv", text_bytes("t, x ,y\n0,1,10\n1,2,20\n"));
  TMF_EXPECT(data::csv_signal_read(multi, "y").samples == std::vector<float>({10.0f, 20.0f}));
  TMF_EXPECT(data::csv_signal_read(multi, "x").samples == std::vector<float>({1.0f, 2.0f}));
  TMF_EXPECT(data::csv_signal_read(multi, "0").samples == std::vector<float>({0.0f, 1.0f}));
  const std::string nohead = write_temp("nohead.csv", text_bytes("0,1\n1,2\n"));
  TMF_EXPECT(data::csv_signal_read(nohead, "1").samples == std::vector<float>({1.0f, 2.0f}));
}

TMF_TEST(DataCsv, RejectsMalformedNamingFileLineAndColumn) {
  const std::string bad = write_temp("bad.csv", text_bytes("t,vib\n0,1\n1,n/a\n"));
  TMF_EXPECT_THROWS(data::csv_signal_read(bad, "vib"), DataError,
                    (bad + ":3: column 'vib': 'n/a' is not a").c_str());
  TMF_EXPECT_THROWS(data::csv_signal_read(bad), DataError, (bad + ":1: 2 columns; choose one").c_str());
  TMF_EXPECT_THROWS(data::csv_signal_read(bad, "rpm"), DataError, "no column named 'rpm'");
  TMF_EXPECT_THROWS(data::csv_signal_read(bad, "5"), DataError, "column index 5 is out of range");
  const std::string ragged = write_temp("ragged.csv", text_bytes("1,2\n3\n"));
  TMF_EXPECT_THROWS(data::csv_signal_read(ragged, "0"), DataError, (ragged + ":2: 1 fields, expected 2").c_str());
  const std::string huge = write_temp("huge.csv", text_bytes("1\n1e300\n"));
  TMF_EXPECT_THROWS(data::csv_signal_read(huge), DataError, (huge + ":2: column '0': '1e300'").c_str());
  const std::string empty = write_temp("empty.csv", {});
  TMF_EXPECT_THROWS(data::csv_signal_read(empty), DataError, "no data");
}

// ---------------------------------------------------------------- CLI

TMF_TEST(DataCli, ImportThenInfoRoundTrip) {
  const std::string out = test::temp_path("imported");
  Bytes pcm;
  for (int i = 0; i < 1000; ++i) pcm.u16(static_cast<uint16_t>(static_cast<int16_t>(i * 30 - 15000)));
  const std::string wav = write_temp("tone.wav", make_wav(1, 1, 8000, 16, pcm.b));
  std::string csv_text = "vib\n";
  for (int i = 0; i < 500; ++i) csv_text += std::to_string(i * 0.5) + "\n";
  const std::string csv = write_temp("sensor.csv", text_bytes(csv_text));
  const std::string raw = write_temp("chunk.f32", f32_bytes(std::vector<float>(300, 0.25f)));

  test::CommandResult r = test::run_cli("data import " + wav + " --out " + out + " --label normal --json");
  TMF_ASSERT(r.exit_code == 0);
  TMF_EXPECT(nlohmann::json::parse(r.out)["imported"][0]["num_samples"] == 1000);
  r = test::run_cli("data import " + csv + " " + raw + " --out " + out + " --label fault --rate 8000");
  TMF_ASSERT(r.exit_code == 0);

  r = test::run_cli("data info " + out + " --window 100 --hop 50 --json");
  TMF_ASSERT(r.exit_code == 0);
  const auto j = nlohmann::json::parse(r.out);
  TMF_EXPECT_EQ(j["recordings"].get<int>(), 3);
  TMF_EXPECT_EQ(j["samples"].get<int>(), 1800);
  TMF_EXPECT_EQ(j["conditions"]["normal"]["recordings"].get<int>(), 1);
  TMF_EXPECT_EQ(j["conditions"]["normal"]["windows"].get<int>(), (1000 - 100) / 50 + 1);
  TMF_EXPECT_EQ(j["conditions"]["fault"]["recordings"].get<int>(), 2);
  TMF_EXPECT_EQ(j["conditions"]["fault"]["windows"].get<int>(), (500 - 100) / 50 + 1 + (300 - 100) / 50 + 1);
  TMF_EXPECT(j["conditions"]["fault"]["seconds"].get<double>() == 800.0 / 8000.0);

  // The library reads what the CLI wrote, sample for sample.
  const data::Dataset ds = data::dataset_read(out);
  TMF_ASSERT(ds.recordings.size() == 3);
  TMF_EXPECT(ds.recordings[0].file == "tone.f32");
  TMF_EXPECT(ds.recordings[0].field("source_file") == "tone.wav");
  const std::vector<float> tone = ds.recordings[0].load();
  TMF_EXPECT(tone[1] == (30 - 15000) / 32768.0f);
  TMF_EXPECT(ds.recordings[1].load()[3] == 1.5f);
  TMF_EXPECT(ds.recordings[2].load() == std::vector<float>(300, 0.25f));
  TMF_EXPECT(!std::filesystem::exists(out + "/manifest.csv.tmp"));

  // Bearing manifest through the CLI: 43 recordings, per-condition counts.
  r = test::run_cli("data info " + test::shared_path("data/bearing") + " --json");
  TMF_ASSERT(r.exit_code == 0);
  const auto b = nlohmann::json::parse(r.out);
  TMF_EXPECT_EQ(b["recordings"].get<int>(), 43);
  TMF_EXPECT_EQ(b["samples"].get<int>(), 5161203);
  TMF_EXPECT_EQ(b["conditions"]["outer_race"]["recordings"].get<int>(), 20);
}

TMF_TEST(DataCli, AppendsAndRefusesOverwrites) {
  const std::string out = test::temp_path("appended");
  const std::string a = write_temp("first.f32", f32_bytes({1, 2, 3}));
  const std::string b = write_temp("second.f32", f32_bytes({4, 5}));
  TMF_ASSERT(test::run_cli("data import " + a + " --out " + out + " --rate 100 --label x").exit_code == 0);
  const std::vector<uint8_t> manifest1 = test::read_bytes(out + "/manifest.csv");
  TMF_ASSERT(test::run_cli("data import " + b + " --out " + out + " --rate 100 --label y").exit_code == 0);
  const std::vector<uint8_t> manifest2 = test::read_bytes(out + "/manifest.csv");
  TMF_EXPECT(manifest2.size() > manifest1.size());
  TMF_EXPECT(std::equal(manifest1.begin(), manifest1.end(), manifest2.begin()));  // old rows kept

  // Importing first.f32 again would replace a recording: refused, nothing changes.
  const test::CommandResult again = test::run_cli("data import " + a + " --out " + out + " --rate 100");
  TMF_EXPECT(again.exit_code != 0);
  TMF_EXPECT(again.err.find("first.f32: already listed") != std::string::npos);
  TMF_EXPECT(again.err.find("refusing to overwrite") != std::string::npos);
  TMF_EXPECT(test::read_bytes(out + "/manifest.csv") == manifest2);
  // A stray file of that name, not in the manifest, is not overwritten either.
  const std::string c = write_temp("third.f32", f32_bytes({6}));
  test::write_bytes(out + "/third.f32", {1, 2, 3, 4});
  const test::CommandResult stray = test::run_cli("data import " + c + " --out " + out + " --rate 100");
  TMF_EXPECT(stray.exit_code != 0);
  TMF_EXPECT(stray.err.find("third.f32: already exists") != std::string::npos);
  TMF_EXPECT(test::read_bytes(out + "/third.f32") == std::vector<uint8_t>({1, 2, 3, 4}));

  // Appending to a run_to_failure-style manifest fills its own columns by name.
  const std::string rtf = make_dataset("rtf_like", "file,bearing,channel,sample_rate_hz,n_samples\n"
                                                   "x.f32,B1,horiz,25600,1\n", {{"x.f32", 4}});
  TMF_ASSERT(test::run_cli("data import " + b + " --out " + rtf + " --rate 25600 --label B2").exit_code == 0);
  const data::Dataset ds = data::dataset_read(rtf);
  TMF_ASSERT(ds.recordings.size() == 2);
  TMF_EXPECT(ds.recordings[1].condition == "B2");
  TMF_EXPECT_EQ(ds.recordings[1].num_samples, 2);
  TMF_EXPECT(ds.recordings[1].field("channel").empty());
}

TMF_TEST(DataCli, RejectsBadInputWithOneLineNamingTheFile) {
  const std::string out = test::temp_path("rejected");
  const std::string csv = write_temp("norate.csv", text_bytes("1\n2\n"));
  test::CommandResult r = test::run_cli("data import " + csv + " --out " + out);
  TMF_EXPECT_EQ(r.exit_code, 2);
  TMF_EXPECT(r.err.find(csv + ": give its sample rate with --rate") != std::string::npos);
  std::vector<uint8_t> bad = make_wav(1, 1, 8000, 16, {0, 0});
  bad[32] = 7;
  const std::string wav = write_temp("badalign.wav", bad);
  r = test::run_cli("data import " + wav + " --out " + out);
  TMF_EXPECT_EQ(r.exit_code, 2);
  TMF_EXPECT(r.err.find(wav + ": fmt chunk: block_align 7") != std::string::npos);
  TMF_EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1);
  TMF_EXPECT(!std::filesystem::exists(out + "/manifest.csv"));  // nothing written on failure
  r = test::run_cli("data info " + test::temp_path("nowhere"));
  TMF_EXPECT_EQ(r.exit_code, 2);
  TMF_EXPECT(r.err.find("nowhere/manifest.csv: cannot open") != std::string::npos);
}

// Issue 16 item 5: several channels in one recording. The oracle is the shared FEMTO snapshot's
// two .f32 files (converted from the original CSV's columns 4 and 5 by the data's provider, per
// its manifest); the test writes them back as a FEMTO-layout CSV (hour, minute, second, µs,
// horizontal, vertical; %.9g round-trips a float32 exactly) and the import must give frames
// (horiz, vert) equal to those files value for value. Then a WAV of 3 channels picked 2,0, a
// header-named CSV, and the errors, each naming the file and the column.
TMF_TEST(DataCli, ImportsSeveralChannelsAsInterleavedFrames) {
  const std::string base = test::shared_path("data/run_to_failure/femto/Bearing1_1/acc_00001_");
  const std::vector<uint8_t> hb = test::read_bytes(base + "horiz.f32"), vb = test::read_bytes(base + "vert.f32");
  TMF_ASSERT(hb.size() == 2560 * 4 && vb.size() == hb.size());
  std::vector<float> horiz(2560), vert(2560);
  std::memcpy(horiz.data(), hb.data(), hb.size());
  std::memcpy(vert.data(), vb.data(), vb.size());
  std::string csv_text;
  char line[160];
  for (size_t t = 0; t < horiz.size(); ++t) {
    std::snprintf(line, sizeof line, "9,39,39,%zu,%.9g,%.9g\n", 65664 + 39 * t, horiz[t], vert[t]);
    csv_text += line;
  }
  const std::string femto = write_temp("acc_00001.csv", text_bytes(csv_text));
  const std::string out = test::temp_path("imported_2ch");
  test::CommandResult r = test::run_cli("data import " + femto + " --out " + out +
                                        " --column 4,5 --channel-names horiz,vert --rate 25600 --label Bearing1_1 --json");
  TMF_ASSERT(r.exit_code == 0);
  const auto j = nlohmann::json::parse(r.out);
  TMF_EXPECT_EQ(j["imported"][0]["channels"].get<int>(), 2);
  TMF_EXPECT_EQ(j["imported"][0]["num_samples"].get<int>(), 2560);
  TMF_EXPECT(j["imported"][0]["channel_names"] == nlohmann::json::array({"horiz", "vert"}));
  const data::Dataset ds = data::dataset_read(out);
  TMF_ASSERT(ds.recordings.size() == 1);
  TMF_EXPECT_EQ(ds.channels(), 2u);
  TMF_EXPECT_EQ(ds.recordings[0].num_samples, 2560u);
  TMF_EXPECT(ds.recordings[0].field("channel_names") == "horiz;vert");
  const std::vector<float> frames = ds.recordings[0].load();
  TMF_ASSERT(frames.size() == 2 * 2560);
  bool same = true;
  for (size_t t = 0; t < 2560; ++t) same = same && frames[2 * t] == horiz[t] && frames[2 * t + 1] == vert[t];
  TMF_EXPECT(same);
  // Appending a recording of another channel count to this folder is refused, naming the file.
  r = test::run_cli("data import " + femto + " --out " + out + " --column 4 --rate 25600");
  TMF_EXPECT_EQ(r.exit_code, 2);
  TMF_EXPECT(r.err.find(femto + ": 1 channel(s), but " + out + "/manifest.csv has 2") != std::string::npos);

  // WAV: 3 channels of 16 bits, channel c of frame t = 100 t + c; --channel 2,0 takes (2, 0).
  Bytes pcm;
  for (int t = 0; t < 50; ++t) {
    for (int c = 0; c < 3; ++c) pcm.u16(static_cast<uint16_t>(100 * t + c));
  }
  const std::string wav = write_temp("three.wav", make_wav(1, 3, 8000, 16, pcm.b));
  const std::string out_wav = test::temp_path("imported_wav2");
  r = test::run_cli("data import " + wav + " --out " + out_wav + " --channel 2,0");
  TMF_ASSERT(r.exit_code == 0);
  const data::Dataset dw = data::dataset_read(out_wav);
  TMF_EXPECT(dw.recordings[0].field("channel_names") == "ch2;ch0");
  const std::vector<float> wf = dw.recordings[0].load();
  TMF_ASSERT(wf.size() == 100);
  TMF_EXPECT(wf[2 * 7] == (100 * 7 + 2) / 32768.0f && wf[2 * 7 + 1] == (100 * 7) / 32768.0f);

  // A CSV with a header: columns by name, the header's names recorded.
  const std::string xyz = write_temp("xyz.csv", text_bytes("t,x,y,z\n0,1,2,3\n1,4,5,6\n"));
  const std::string out_xyz = test::temp_path("imported_xyz");
  r = test::run_cli("data import " + xyz + " --out " + out_xyz + " --column z,x,y --rate 100");
  TMF_ASSERT(r.exit_code == 0);
  const data::Dataset dx = data::dataset_read(out_xyz);
  TMF_EXPECT(dx.recordings[0].field("channel_names") == "z;x;y");
  TMF_EXPECT(dx.recordings[0].load() == std::vector<float>({3, 1, 2, 6, 4, 5}));

  // Errors name the file, line and column; nothing is written.
  const std::string bad = write_temp("bad_xyz.csv", text_bytes("t,x,y,z\n0,1,2,3\n1,4,n/a,6\n"));
  const std::string out_bad = test::temp_path("imported_bad");
  r = test::run_cli("data import " + bad + " --out " + out_bad + " --column x,y,z --rate 100");
  TMF_EXPECT_EQ(r.exit_code, 2);
  TMF_EXPECT(r.err.find(bad + ":3: column 'y': 'n/a' is not a finite float32 number") != std::string::npos);
  TMF_EXPECT_THROWS(data::csv_columns_read(bad, std::vector<std::string>({"x", "w"})), data::DataError, bad + ":1: no column named 'w' in the header");
  TMF_EXPECT_THROWS(data::csv_columns_read(bad, std::vector<std::string>({"x", "1"})), data::DataError, bad + ":1: column '1' is asked for twice");
  r = test::run_cli("data import " + xyz + " --out " + out_bad + " --column x,y --channel-names a --rate 100");
  TMF_EXPECT(r.err.find(xyz + ": 2 channel(s) read, but --channel-names gives 1 names") != std::string::npos);
  r = test::run_cli("data import " + xyz + " --out " + out_bad + " --column x,y --channel-names 'a,b;c' --rate 100");
  TMF_EXPECT(r.err.find("channel name 'b;c' cannot be stored") != std::string::npos);
  TMF_EXPECT(!std::filesystem::exists(out_bad + "/manifest.csv"));
  // A hand-written manifest whose channel_names do not match its channels is refused on reading.
  const std::string hand = make_dataset("names_mismatch", "file,condition,sample_rate_hz,channels,channel_names\n"
                                                         "a.f32,normal,100,2,x;y;z\n", {{"a.f32", 8}});
  TMF_EXPECT_THROWS(data::dataset_read(hand), data::DataError, "column 'channel_names': 'x;y;z' names 3 channel(s)");
}

}  // namespace
}  // namespace tmf
