/* QEMU TCG plugin: counts the guest instructions executed between two marker functions.
 * Usage: -plugin libinsn_count.so,begin=0xADDR,end=0xADDR[,out=FILE]
 * begin/end are the addresses of tmf_bench_marker_begin/end (device/port/qemu/bench_markers.h);
 * the Thumb bit is ignored. Each entry of begin followed by an entry of end is one region; its count
 * is the instructions executed from the first instruction of begin (included) to the first
 * instruction of end (excluded). At exit one line per region, "region N instructions C", goes to
 * FILE (default: stderr).
 *
 * Cost: every translated block adds its instruction count to a 64-bit total with an inline op (no
 * helper call); only the instructions at the marker addresses get a callback, which snapshots the
 * total. Exact as long as blocks run to completion, which holds for straight-line guest code
 * without asynchronous exceptions (the images enable no interrupts). Single vCPU only. */
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- The part of QEMU's plugin API (include/qemu/qemu-plugin.h, API version 1, QEMU 6.0-8.1)
 * used here; Debian ships qemu-system-arm without the header. */
#define QEMU_PLUGIN_EXPORT __attribute__((visibility("default")))
#define QEMU_PLUGIN_VERSION 1

typedef uint64_t qemu_plugin_id_t;
typedef struct qemu_info_t qemu_info_t; /* not dereferenced here */
struct qemu_plugin_tb;
struct qemu_plugin_insn;

enum qemu_plugin_cb_flags {
  QEMU_PLUGIN_CB_NO_REGS,
  QEMU_PLUGIN_CB_R_REGS,
  QEMU_PLUGIN_CB_RW_REGS,
};

enum qemu_plugin_op {
  QEMU_PLUGIN_INLINE_ADD_U64,
};

typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void* userdata);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void* userdata);
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb* tb);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb* tb, enum qemu_plugin_op op,
                                              void* ptr, uint64_t imm);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn* insn,
                                            qemu_plugin_vcpu_udata_cb_t cb,
                                            enum qemu_plugin_cb_flags flags, void* userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb* tb);
struct qemu_plugin_insn* qemu_plugin_tb_get_insn(const struct qemu_plugin_tb* tb, size_t idx);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn* insn);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void* userdata);

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

/* ---- counter state (one vCPU: QEMU runs the M-profile boards single-threaded) ---- */

static uint64_t g_marker_begin;
static uint64_t g_marker_end;
static char* g_out_path;

/* Instructions of all blocks entered so far, each block counted whole when it starts. */
static uint64_t g_total;

static bool g_counting;
static uint64_t g_region_start;
static uint64_t* g_regions;
static size_t g_region_count;
static size_t g_region_capacity;

/* A marker callback's userdata: instructions from the marker to the end of its block. They are
 * already in g_total but have not run, so total - userdata = instructions before the marker. */
static uint64_t count_before(void* insns_from_marker) {
  return g_total - (uint64_t)(uintptr_t)insns_from_marker;
}

static void on_begin(unsigned int vcpu_index, void* userdata) {
  (void)vcpu_index;
  g_region_start = count_before(userdata);
  g_counting = true; /* a second begin restarts the region */
}

static void on_end(unsigned int vcpu_index, void* userdata) {
  (void)vcpu_index;
  if (!g_counting) return;
  g_counting = false;
  if (g_region_count == g_region_capacity) {
    const size_t capacity = g_region_capacity ? 2 * g_region_capacity : 64;
    uint64_t* regions = realloc(g_regions, capacity * sizeof(*regions));
    if (regions == NULL) {
      fprintf(stderr, "insn_count: out of memory, region dropped\n");
      return;
    }
    g_regions = regions;
    g_region_capacity = capacity;
  }
  g_regions[g_region_count++] = count_before(userdata) - g_region_start;
}

static void on_tb_translate(qemu_plugin_id_t id, struct qemu_plugin_tb* tb) {
  (void)id;
  const size_t n = qemu_plugin_tb_n_insns(tb);
  /* Block-level op first, so it runs before the callbacks of the block's instructions. */
  qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &g_total, n);
  for (size_t i = 0; i < n; ++i) {
    struct qemu_plugin_insn* insn = qemu_plugin_tb_get_insn(tb, i);
    const uint64_t vaddr = qemu_plugin_insn_vaddr(insn);
    void* insns_from_here = (void*)(uintptr_t)(n - i);
    if (vaddr == g_marker_begin) {
      qemu_plugin_register_vcpu_insn_exec_cb(insn, on_begin, QEMU_PLUGIN_CB_NO_REGS, insns_from_here);
    } else if (vaddr == g_marker_end) {
      qemu_plugin_register_vcpu_insn_exec_cb(insn, on_end, QEMU_PLUGIN_CB_NO_REGS, insns_from_here);
    }
  }
}

static void on_plugin_exit(qemu_plugin_id_t id, void* userdata) {
  (void)id;
  (void)userdata;
  FILE* out = stderr;
  if (g_out_path != NULL) {
    out = fopen(g_out_path, "w");
    if (out == NULL) {
      fprintf(stderr, "insn_count: cannot write %s\n", g_out_path);
      out = stderr;
    }
  }
  for (size_t i = 0; i < g_region_count; ++i) {
    fprintf(out, "region %zu instructions %" PRIu64 "\n", i, g_regions[i]);
  }
  if (g_counting) {
    fprintf(stderr, "insn_count: warning: the program exited inside a region (begin without end)\n");
  }
  if (out != stderr && fclose(out) != 0) {
    fprintf(stderr, "insn_count: error writing %s\n", g_out_path);
  }
  free(g_regions);
  free(g_out_path);
}

/* Parses "0x..." (or decimal) into *value; false on junk. */
static bool parse_address(const char* text, uint64_t* value) {
  char* end = NULL;
  *value = strtoull(text, &end, 0);
  return end != text && *end == '\0';
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t* info, int argc,
                                           char** argv) {
  (void)info;
  bool have_begin = false;
  bool have_end = false;
  for (int i = 0; i < argc; ++i) {
    const char* arg = argv[i];
    if (strncmp(arg, "begin=", 6) == 0) {
      have_begin = parse_address(arg + 6, &g_marker_begin);
      if (!have_begin) break;
    } else if (strncmp(arg, "end=", 4) == 0) {
      have_end = parse_address(arg + 4, &g_marker_end);
      if (!have_end) break;
    } else if (strncmp(arg, "out=", 4) == 0 && arg[4] != '\0') {
      free(g_out_path);
      g_out_path = strdup(arg + 4);
    } else {
      fprintf(stderr, "insn_count: unknown argument '%s' (expected begin=, end=, out=)\n", arg);
      return -1;
    }
  }
  if (!have_begin || !have_end) {
    fprintf(stderr, "insn_count: need begin=0xADDR,end=0xADDR (addresses of the marker functions)\n");
    return -1;
  }
  /* Instruction addresses are even; symbol values of Thumb functions have bit 0 set. */
  g_marker_begin &= ~(uint64_t)1;
  g_marker_end &= ~(uint64_t)1;
  if (g_marker_begin == g_marker_end) {
    fprintf(stderr, "insn_count: begin and end are the same address\n");
    return -1;
  }
  qemu_plugin_register_vcpu_tb_trans_cb(id, on_tb_translate);
  qemu_plugin_register_atexit_cb(id, on_plugin_exit, NULL);
  return 0;
}
