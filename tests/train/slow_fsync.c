/* A slow disk for tests/train/slow-checkpoint.sh and async-checkpoint.sh, loaded with LD_PRELOAD: fsync
 * of a checkpoint's temporary file (".../checkpoints/step-*.h5.tmp.*") first sleeps SLOW_FSYNC_SECONDS,
 * as fsync on a busy network file system does, or, with SLOW_FSYNC_GATE set, waits until that file
 * exists (the test opens the gate when it has seen what it wants while the write is held). It appends
 * "<pid>\n" to SLOW_FSYNC_NOTE (if set) as it begins, so the test knows which process is writing. The
 * process stays alive and responsive, like one waiting on a slow disk; synthview itself is unchanged.
 * Every other fsync passes straight through. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int is_checkpoint_temp(int fd) {
  char link[64], path[4096];
  snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, path, sizeof(path) - 1);
  if (n < 0) return 0;
  path[n] = '\0';
  return strstr(path, "/checkpoints/step-") != NULL && strstr(path, ".h5.tmp.") != NULL;
}

int fsync(int fd) {
  int (*real_fsync)(int) = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
  const char* seconds = getenv("SLOW_FSYNC_SECONDS");
  const char* gate = getenv("SLOW_FSYNC_GATE");
  if ((seconds != NULL || gate != NULL) && is_checkpoint_temp(fd)) {
    const char* note = getenv("SLOW_FSYNC_NOTE");
    FILE* out = note != NULL ? fopen(note, "a") : NULL;
    if (out != NULL) {
      fprintf(out, "%d\n", (int)getpid());
      fclose(out);
    }
    if (seconds != NULL) sleep((unsigned)atoi(seconds));
    while (gate != NULL && access(gate, F_OK) != 0) usleep(10000);
  }
  return real_fsync(fd);
}
