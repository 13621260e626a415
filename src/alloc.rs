//! The process's allocator, chosen per command before `main` runs.
//!
//! Ingest makes many short-lived strings per section: with glibc's
//! allocator, `malloc`, `free` and their consolidation were a fifth of its
//! time, and mimalloc's thread-local free lists take most of that away
//! (100 MiB at one thread: 11.5 → 8.8 s). A search process is the
//! opposite case: a few milliseconds, several threads starting at once,
//! and there mimalloc cost 0.3–2.5 ms more than glibc. So the commands
//! that ingest ([`INGEST_COMMANDS`]) run on mimalloc and all others on the
//! system allocator.
//!
//! The choice is made from `argv` by a glibc initialiser, before Rust
//! allocates anything, and never changes afterwards: every block is freed
//! by the allocator that made it. Where no initialiser runs (other
//! platforms, a library linked elsewhere) the system allocator is used.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, Ordering};

use mimalloc::MiMalloc;

/// Subcommands (first argument) that ingest: `pia index`, `pia-bench stages`.
pub const INGEST_COMMANDS: &[&[u8]] = &[b"index", b"stages"];

/// Set once, before `main`, when the command ingests.
static MIMALLOC: AtomicBool = AtomicBool::new(false);

/// The allocator of this process: mimalloc for ingest, the system's
/// otherwise (see the module doc).
pub struct PerCommand;

impl PerCommand {
    /// Whether this process allocates with mimalloc.
    pub fn is_mimalloc() -> bool {
        MIMALLOC.load(Ordering::Relaxed)
    }
}

// SAFETY: the choice is fixed before the first allocation through this
// allocator (see `choose`), so allocation, reallocation and release of a
// block all go to the same allocator.
unsafe impl GlobalAlloc for PerCommand {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if Self::is_mimalloc() {
            MiMalloc.alloc(layout)
        } else {
            System.alloc(layout)
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if Self::is_mimalloc() {
            MiMalloc.alloc_zeroed(layout)
        } else {
            System.alloc_zeroed(layout)
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if Self::is_mimalloc() {
            MiMalloc.dealloc(ptr, layout)
        } else {
            System.dealloc(ptr, layout)
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if Self::is_mimalloc() {
            MiMalloc.realloc(ptr, layout, new_size)
        } else {
            System.realloc(ptr, layout, new_size)
        }
    }
}

/// glibc calls the functions of `.init_array` with `argc`, `argv` and
/// `envp` before `main` (std reads its own arguments the same way); the
/// lower number runs this one before std's initialiser, so before any
/// Rust allocation.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[used]
#[link_section = ".init_array.00090"]
static CHOOSE: extern "C" fn(
    std::ffi::c_int,
    *const *const std::ffi::c_char,
    *const *const std::ffi::c_char,
) = choose;

#[cfg(all(target_os = "linux", target_env = "gnu"))]
extern "C" fn choose(
    argc: std::ffi::c_int,
    argv: *const *const std::ffi::c_char,
    _envp: *const *const std::ffi::c_char,
) {
    if argc < 2 || argv.is_null() {
        return;
    }
    // SAFETY: glibc passes `argc` valid, NUL-terminated arguments.
    let first = unsafe {
        let p = *argv.add(1);
        if p.is_null() {
            return;
        }
        std::ffi::CStr::from_ptr(p).to_bytes()
    };
    if INGEST_COMMANDS.contains(&first) {
        MIMALLOC.store(true, Ordering::Relaxed);
        // Freed pages go back to the system after a second unused instead
        // of 10 ms: ingest frees and refills the same buffers section after
        // section, and zeroing the refaulted pages was 3–7 % of its time
        // (plain 100 MiB at 1 thread: 8.4 → 7.9 s, peak RSS +20 MiB).
        // SAFETY: sets one integer of mimalloc's option table; no allocation.
        unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, 1000) };
    }
}

/// `mi_option_purge_delay` in the `mi_option_e` of mimalloc v2's
/// `mimalloc.h` (the version Cargo.toml pins).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;

#[cfg(all(target_os = "linux", target_env = "gnu"))]
extern "C" {
    /// mimalloc's own API (linked in by the `mimalloc` crate).
    fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
}
