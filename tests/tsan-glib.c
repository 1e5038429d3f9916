/* tsan-glib.c — shows GLib's GMutex and GCond to ThreadSanitizer. Linked into
 * the trainer tests; compiles to nothing outside -fsanitize=thread builds.
 *
 * Why: on Linux, GLib builds GMutex and GCond directly on futexes
 * (gthread-posix.c), in a library that is not instrumented, so
 * ThreadSanitizer sees no lock at all and reports every access made under a
 * GMutex as a data race. Suppressing those reports would also hide real races
 * in the same functions. Instead these definitions take the place of GLib's
 * for every caller outside libglib (an executable's symbols come first in the
 * dynamic linker's lookup), call GLib's own, and describe each lock and
 * unlock with ThreadSanitizer's mutex annotations. A missing lock is still
 * reported, and so is a lock-order inversion.
 *
 * g_cond_wait needs its own wrapper: inside libglib it calls g_mutex_unlock
 * and g_mutex_lock directly (not through the PLT), so those two calls never
 * reach the wrappers below. */
#if defined(__SANITIZE_THREAD__)

#include <glib.h>
#include <dlfcn.h>
#include <sanitizer/tsan_interface.h>

/* GLib's own function @name, looked up once (atomically: the first calls may
 * come from several threads). */
#define REAL(type, name)                                                    \
  static type real_##name;                                                  \
  type name##_fn = __atomic_load_n (&real_##name, __ATOMIC_ACQUIRE);        \
  if (G_UNLIKELY (name##_fn == NULL))                                       \
    {                                                                       \
      name##_fn = (type) dlsym (RTLD_NEXT, #name);                          \
      if (name##_fn == NULL)                                                \
        g_error ("tsan-glib: cannot find %s", #name);                       \
      __atomic_store_n (&real_##name, name##_fn, __ATOMIC_RELEASE);         \
    }

typedef void     (*MutexFn)      (GMutex *);
typedef gboolean (*TryLockFn)    (GMutex *);
typedef void     (*CondWaitFn)   (GCond *, GMutex *);
typedef gboolean (*CondUntilFn)  (GCond *, GMutex *, gint64);

void
g_mutex_init (GMutex *mutex)
{
  REAL (MutexFn, g_mutex_init);
  g_mutex_init_fn (mutex);
  __tsan_mutex_create (mutex, __tsan_mutex_not_static);
}

void
g_mutex_clear (GMutex *mutex)
{
  REAL (MutexFn, g_mutex_clear);
  __tsan_mutex_destroy (mutex, __tsan_mutex_not_static);
  g_mutex_clear_fn (mutex);
}

void
g_mutex_lock (GMutex *mutex)
{
  REAL (MutexFn, g_mutex_lock);
  __tsan_mutex_pre_lock (mutex, 0);
  g_mutex_lock_fn (mutex);
  __tsan_mutex_post_lock (mutex, 0, 0);
}

gboolean
g_mutex_trylock (GMutex *mutex)
{
  gboolean ok;
  REAL (TryLockFn, g_mutex_trylock);
  __tsan_mutex_pre_lock (mutex, __tsan_mutex_try_lock);
  ok = g_mutex_trylock_fn (mutex);
  __tsan_mutex_post_lock (mutex, __tsan_mutex_try_lock | (ok ? 0 : __tsan_mutex_try_lock_failed), 0);
  return ok;
}

void
g_mutex_unlock (GMutex *mutex)
{
  REAL (MutexFn, g_mutex_unlock);
  __tsan_mutex_pre_unlock (mutex, 0);
  g_mutex_unlock_fn (mutex);
  __tsan_mutex_post_unlock (mutex, 0);
}

/* Waiting releases the mutex and takes it again. */
void
g_cond_wait (GCond  *cond,
             GMutex *mutex)
{
  REAL (CondWaitFn, g_cond_wait);
  __tsan_mutex_pre_unlock (mutex, 0);
  __tsan_mutex_post_unlock (mutex, 0);
  g_cond_wait_fn (cond, mutex);
  __tsan_mutex_pre_lock (mutex, 0);
  __tsan_mutex_post_lock (mutex, 0, 0);
}

gboolean
g_cond_wait_until (GCond  *cond,
                   GMutex *mutex,
                   gint64  end_time)
{
  gboolean signalled;
  REAL (CondUntilFn, g_cond_wait_until);
  __tsan_mutex_pre_unlock (mutex, 0);
  __tsan_mutex_post_unlock (mutex, 0);
  signalled = g_cond_wait_until_fn (cond, mutex, end_time);
  __tsan_mutex_pre_lock (mutex, 0);
  __tsan_mutex_post_lock (mutex, 0, 0);
  return signalled;
}

#endif /* __SANITIZE_THREAD__ */
