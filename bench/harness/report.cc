// Machine description and small statistics for the benchmark report.
#include <algorithm>
#include <cmath>
#include <ctime>
#include <fstream>
#include <thread>

#include "bench_util.h"

namespace gumshoe::bench {

Machine DescribeMachine() {
  Machine m;
  m.cores = int(std::thread::hardware_concurrency());
  std::ifstream cpu("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpu, line)) {
    if (line.rfind("model name", 0) == 0) {
      size_t colon = line.find(':');
      m.cpu = colon == std::string::npos ? line : line.substr(colon + 2);
      break;
    }
  }
  std::ifstream mem("/proc/meminfo");
  while (std::getline(mem, line)) {
    if (line.rfind("MemTotal:", 0) == 0) {
      m.mem_gib = std::strtod(line.c_str() + 9, nullptr) / (1024.0 * 1024.0);
      break;
    }
  }
  std::ifstream load("/proc/loadavg");
  std::getline(load, m.load);
  std::time_t now = std::time(nullptr);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
  m.date = buf;
  return m;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  size_t rank = size_t(std::ceil(p * double(v.size())));
  return v[std::min(v.size() - 1, rank == 0 ? 0 : rank - 1)];
}

}  // namespace gumshoe::bench
