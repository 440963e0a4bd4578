// Running Graphviz: posix_spawn with three pipes, no shell, a deadline and an
// output bound; the child is killed and reaped on every error path.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "gumshoe/dot_export.h"

extern char** environ;

namespace gumshoe {
namespace {

// Most stderr text kept for the error message.
constexpr size_t kMaxStderrBytes = 64 * 1024;

bool Executable(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

// The absolute path of `command`, or "" when it is not found.
std::string FindCommand(const std::string& command) {
  if (command.empty()) return "";
  if (command.find('/') != std::string::npos) return Executable(command) ? command : "";
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = dirs.substr(start, end - start);
    if (dir.empty()) dir = ".";
    std::string candidate = dir + "/" + command;
    if (Executable(candidate)) return candidate;
    start = end + 1;
  }
  return "";
}

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { Close(); }
  int get() const { return fd_; }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  void Reset(int fd) {
    Close();
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

bool MakePipe(Fd& read_end, Fd& write_end) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return false;
  read_end.Reset(fds[0]);
  write_end.Reset(fds[1]);
  return true;
}

void KillAndReap(pid_t pid) {
  ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

std::string FirstLines(const std::string& text, size_t max_lines) {
  std::string out;
  size_t lines = 0, start = 0;
  while (start < text.size() && lines < max_lines) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) {
      out += (out.empty() ? "" : "; ") + text.substr(start, end - start);
      ++lines;
    }
    start = end + 1;
  }
  return VisibleText(out);
}

}  // namespace

bool DotAvailable(const std::string& dot_command) { return !FindCommand(dot_command).empty(); }

Result<std::string> RunGraphviz(const std::string& dot, std::string_view format, const RenderOptions& options) {
  if (format.empty() || format.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_:") != std::string_view::npos)
    return Status::InvalidArgument("graphviz output format '" + VisibleText(format) + "' is not allowed");
  std::string exe = FindCommand(options.dot_command);
  if (exe.empty())
    return Status::NotFound("Graphviz '" + VisibleText(options.dot_command) +
                            "' not found; install graphviz (apt-get install graphviz) to render SVG");

  // stdin is a socket pair so writes can use MSG_NOSIGNAL: no SIGPIPE when dot
  // exits early, without touching the process's signal dispositions.
  Fd in_r, in_w, out_r, out_w, err_r, err_w;
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
    return Status::IoError(std::string("socketpair: ") + std::strerror(errno));
  in_r.Reset(sv[0]);
  in_w.Reset(sv[1]);
  if (!MakePipe(out_r, out_w) || !MakePipe(err_r, err_w))
    return Status::IoError(std::string("pipe: ") + std::strerror(errno));

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_r.get(), 0);
  posix_spawn_file_actions_adddup2(&actions, out_w.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, err_w.get(), 2);
  std::string format_arg = "-T" + std::string(format);
  std::vector<char*> argv{const_cast<char*>(exe.c_str()), const_cast<char*>(format_arg.c_str()), nullptr};
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, exe.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return Status::NotFound("cannot start " + VisibleText(exe) + ": " + std::strerror(rc));
  in_r.Close();
  out_w.Close();
  err_w.Close();

  // Writing stdin while draining stdout/stderr, so neither side blocks on a full pipe.
  std::string output, errors;
  size_t written = 0;
  if (dot.empty()) in_w.Close();
  auto deadline = std::chrono::steady_clock::now() + options.timeout;
  char buf[65536];
  while (out_r.get() >= 0 || err_r.get() >= 0) {
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      KillAndReap(pid);
      return Status::LimitExceeded("graphviz did not finish within " + std::to_string(options.timeout.count()) + " ms");
    }
    std::vector<pollfd> fds;
    if (in_w.get() >= 0) fds.push_back({in_w.get(), POLLOUT, 0});
    if (out_r.get() >= 0) fds.push_back({out_r.get(), POLLIN, 0});
    if (err_r.get() >= 0) fds.push_back({err_r.get(), POLLIN, 0});
    int wait_ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count()) + 1;
    int n = ::poll(fds.data(), fds.size(), wait_ms);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      KillAndReap(pid);
      return Status::IoError(std::string("poll: ") + std::strerror(e));
    }
    for (const pollfd& p : fds) {
      if (p.revents == 0) continue;
      if (p.fd == in_w.get()) {
        if (p.revents & (POLLERR | POLLHUP)) {
          in_w.Close();
          continue;
        }
        ssize_t w = ::send(in_w.get(), dot.data() + written, dot.size() - written, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w > 0) written += static_cast<size_t>(w);
        else if (w < 0 && errno != EAGAIN && errno != EINTR) in_w.Close();
        if (written == dot.size()) in_w.Close();
      } else {
        bool is_out = p.fd == out_r.get();
        ssize_t r = ::read(p.fd, buf, sizeof buf);
        if (r > 0) {
          if (is_out) {
            if (output.size() + static_cast<size_t>(r) > options.max_output_bytes) {
              KillAndReap(pid);
              return Status::LimitExceeded("graphviz output exceeds " + std::to_string(options.max_output_bytes) +
                                           " bytes");
            }
            output.append(buf, static_cast<size_t>(r));
          } else if (errors.size() < kMaxStderrBytes) {
            errors.append(buf, std::min(static_cast<size_t>(r), kMaxStderrBytes - errors.size()));
          }
        } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
          (is_out ? out_r : err_r).Close();
        }
      }
    }
  }
  in_w.Close();
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return Status::IoError(std::string("waitpid: ") + std::strerror(errno));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string why = errors.empty() ? std::string("exit status ") + std::to_string(WEXITSTATUS(status))
                                     : FirstLines(errors, 3);
    return Status::Corruption("graphviz rejected the DOT: " + why);
  }
  if (options.fail_on_warning && errors.find("Warning") != std::string::npos)
    return Status::Corruption("graphviz warned: " + FirstLines(errors, 3));
  if (written != dot.size()) return Status::IoError("graphviz did not read all of its input");
  return output;
}

Result<std::string> RenderSvg(const std::string& dot, const RenderOptions& options) {
  return RunGraphviz(dot, "svg", options);
}

}  // namespace gumshoe
