//! The chip's facial image decoded in a separate, locked-down process.
//!
//! The photo comes from a chip, and JPEG 2000 is decoded by OpenJPEG, a C library: a crafted
//! image must not be able to reach the daemon's memory (keys, the session, the bus connection).
//! So the bytes go to a child process — the daemon's own executable started with
//! [`CHILD_ARG`] — that can do nothing but decode:
//! - resource limits: address space, CPU seconds, no files written, no new processes, no core;
//! - `PR_SET_NO_NEW_PRIVS` and a seccomp filter allowing only reading stdin, writing stdout,
//!   memory management and exit: no `open`, no sockets, no `execve` — a hijacked decoder has no
//!   file system and no network;
//! - the parent bounds the wall time and the size of the answer, and kills the child on either.
//!
//! Chosen over `systemd-run` properties because it works the same under systemd, in tests and in
//! the simulator, with nothing to install; seccomp via `seccompiler` (rust-vmm) rather than a
//! hand-written BPF program.
//!
//! Wire format: the parent writes the encoded image to the child's stdin and closes it. The child
//! answers on stdout with `b"IMG0"`, width and height (u32 big-endian) and the RGB pixels, or
//! `b"ERR0"` and a UTF-8 reason; it exits 0 in both cases.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use idgate_emrtd::lds::image::{self, MAX_SIDE, RgbImage};
use zeroize::Zeroizing;

/// The first argument that turns the daemon's executable into the decoder child.
pub const CHILD_ARG: &str = "__decode-chip-image";

/// Limits of the decoder child.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Address space of the child (RLIMIT_AS).
    pub memory_bytes: u64,
    /// CPU seconds (RLIMIT_CPU): the kernel kills the child past it.
    pub cpu_seconds: u64,
    /// Wall time the parent waits before killing the child.
    pub wall: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            // A 4096 × 4096 RGB image is 48 MiB; OpenJPEG's working buffers are a few times that.
            memory_bytes: 512 * 1024 * 1024,
            cpu_seconds: 4,
            wall: Duration::from_secs(6),
        }
    }
}

/// Why the isolated decode gave no image.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("cannot start the image decoder {program}: {source}")]
    Spawn {
        program: String,
        source: std::io::Error,
    },
    #[error("talking to the image decoder failed: {0}")]
    Io(#[from] std::io::Error),
    /// The decoder read the image and refused it (broken, unsupported, too large).
    #[error("the image cannot be decoded: {0}")]
    Refused(String),
    /// The decoder died: out of memory, out of CPU time, or a forbidden system call.
    #[error("the image decoder was stopped ({0})")]
    Killed(String),
    #[error("the image decoder took longer than {0:?}")]
    Timeout(Duration),
    #[error("the image decoder's answer is malformed: {0}")]
    Malformed(&'static str),
}

/// Decoder children started by this process: how tests see that an image reached (or never
/// reached) a decoder without timing anything.
static STARTED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// How many decoder children this process has started.
pub fn decoders_started() -> u64 {
    STARTED.load(std::sync::atomic::Ordering::Relaxed)
}

/// Decodes `bytes` (JPEG or JPEG 2000) in a locked-down child process running `program` (the
/// daemon's executable, or any binary whose `main` calls [`child_main`] first).
pub fn decode_isolated(
    program: &Path,
    bytes: &[u8],
    limits: Limits,
) -> Result<RgbImage, SandboxError> {
    STARTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut child = Command::new(program)
        .arg(CHILD_ARG)
        .arg(limits.memory_bytes.to_string())
        .arg(limits.cpu_seconds.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .env_clear()
        .spawn()
        .map_err(|source| SandboxError::Spawn {
            program: program.display().to_string(),
            source,
        })?;
    // Feed stdin from a thread: a child that stops reading must not block us.
    let mut stdin = child
        .stdin
        .take()
        .ok_or(SandboxError::Malformed("no stdin"))?;
    // The encoded portrait, biometric too: the feeder's copy is wiped when it is written.
    let input = Zeroizing::new(bytes.to_vec());
    let feeder = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let mut stdout = child
        .stdout
        .take()
        .ok_or(SandboxError::Malformed("no stdout"))?;
    let max_answer = 12 + u64::from(MAX_SIDE) * u64::from(MAX_SIDE) * 3;
    let reader = std::thread::spawn(move || {
        let mut answer = (&mut stdout).take(max_answer + 1);
        let image = read_answer(&mut answer, max_answer);
        drain(&mut answer);
        image
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if started.elapsed() > limits.wall {
            let _ = child.kill();
            let _ = child.wait();
            let _ = feeder.join();
            let _ = reader.join();
            return Err(SandboxError::Timeout(limits.wall));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let _ = feeder.join();
    let image = reader
        .join()
        .map_err(|_| SandboxError::Malformed("reader thread"))?;
    if let Err(e @ SandboxError::Io(_)) = image {
        return Err(e);
    }
    if !status.success() {
        use std::os::unix::process::ExitStatusExt as _;
        return Err(SandboxError::Killed(match status.signal() {
            Some(libc::SIGKILL) => "killed: memory, CPU time or the wall clock".into(),
            Some(libc::SIGSYS) => "a forbidden system call".into(),
            Some(libc::SIGXCPU) => "out of CPU time".into(),
            Some(sig) => format!("signal {sig}"),
            None => format!("exit {}", status.code().unwrap_or(-1)),
        }));
    }
    image
}

/// Reads the decoder's answer. The pixels are read straight into one zeroed buffer of their final
/// size, which becomes the image's: reading into a growing `Vec` (as `read_to_end` does) moves the
/// portrait through ever larger allocations and frees each outgrown one unwiped — `Zeroizing`
/// wipes only the last — and a copy afterwards would leave one more.
fn read_answer(answer: &mut impl Read, max_answer: u64) -> Result<RgbImage, SandboxError> {
    let mut tag = [0u8; 4];
    if read_full(answer, &mut tag)? < tag.len() {
        return Err(SandboxError::Malformed("unknown answer"));
    }
    match &tag {
        b"ERR0" => {
            let mut reason = Vec::new();
            let room = max_answer.saturating_sub(4);
            answer.take(room + 1).read_to_end(&mut reason)?;
            if reason.len() as u64 > room {
                return Err(SandboxError::Malformed(
                    "answer larger than the largest image",
                ));
            }
            Err(SandboxError::Refused(
                String::from_utf8_lossy(&reason).into_owned(),
            ))
        }
        b"IMG0" => {
            let mut size = [0u8; 8];
            if read_full(answer, &mut size)? < size.len() {
                return Err(SandboxError::Malformed("short header"));
            }
            let [w0, w1, w2, w3, h0, h1, h2, h3] = size;
            let (width, height) = (
                u32::from_be_bytes([w0, w1, w2, w3]),
                u32::from_be_bytes([h0, h1, h2, h3]),
            );
            if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
                return Err(SandboxError::Malformed("image size out of range"));
            }
            let len = usize::try_from(u64::from(width) * u64::from(height) * 3)
                .map_err(|_| SandboxError::Malformed("image size out of range"))?;
            // Wiped on drop on every path out of here, the errors' too.
            let mut pixels = Zeroizing::new(vec![0u8; len]);
            let mut more = Zeroizing::new([0u8; 1]);
            if read_full(answer, &mut pixels)? < len || read_full(answer, &mut *more)? != 0 {
                return Err(SandboxError::Malformed(
                    "pixel count does not match the size",
                ));
            }
            Ok(RgbImage {
                width,
                height,
                pixels,
            })
        }
        _ => Err(SandboxError::Malformed("unknown answer")),
    }
}

/// Fills `buf` as far as the answer goes; how many bytes it holds (fewer only at the end).
fn read_full(answer: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match answer.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Reads what is left of an answer that was refused, so the child can finish writing and exit, in
/// a small buffer that is wiped (it may hold pixels).
fn drain(answer: &mut impl Read) {
    let mut chunk = Zeroizing::new([0u8; 4096]);
    while let Ok(1..) = read_full(answer, &mut *chunk) {}
}

/// The program that decodes: the running executable (idgated, or idgated-sim).
pub fn default_program() -> PathBuf {
    std::env::current_exe().unwrap_or_else(|_| PathBuf::from("/proc/self/exe"))
}

/// Call first in `main`: when started as the decoder child, decodes and exits; otherwise returns.
pub fn child_main() {
    let mut args = std::env::args();
    if args.nth(1).as_deref() != Some(CHILD_ARG) {
        return;
    }
    let memory: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(0);
    let cpu: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let code = match run_child(memory, cpu) {
        Ok(()) => 0,
        Err(_) => 1,
    };
    std::process::exit(code);
}

fn run_child(memory: u64, cpu: u64) -> std::io::Result<()> {
    lock_down(memory, cpu)?;
    // The child's buffers (this one grows as it reads) need no more than `Zeroizing`: the process
    // ends right after the answer, and the kernel clears its pages before any other use.
    let mut input = Zeroizing::new(Vec::new());
    // The largest DG2 the chip read accepts is far below this.
    std::io::stdin()
        .lock()
        .take(16 * 1024 * 1024)
        .read_to_end(&mut input)?;
    let mut out = std::io::stdout().lock();
    match image::decode(&input) {
        Ok(img) => {
            out.write_all(b"IMG0")?;
            out.write_all(&img.width.to_be_bytes())?;
            out.write_all(&img.height.to_be_bytes())?;
            out.write_all(&img.pixels)?;
        }
        Err(e) => {
            out.write_all(b"ERR0")?;
            out.write_all(e.to_string().as_bytes())?;
        }
    }
    out.flush()
}

/// Resource limits, no new privileges, and the system-call allow-list. Fails closed: any step
/// that fails ends the child before it touches the image.
pub fn lock_down(memory: u64, cpu: u64) -> std::io::Result<()> {
    use rustix::process::{DumpableBehavior, Resource, Rlimit, set_dumpable_behavior, setrlimit};
    let limit = |resource, value: u64| {
        setrlimit(
            resource,
            Rlimit {
                current: Some(value),
                maximum: Some(value),
            },
        )
    };
    if memory > 0 {
        limit(Resource::As, memory)?;
    }
    limit(Resource::Cpu, cpu.max(1))?;
    limit(Resource::Fsize, 0)?;
    limit(Resource::Nproc, 0)?;
    limit(Resource::Core, 0)?;
    limit(Resource::Nofile, 3)?;
    set_dumpable_behavior(DumpableBehavior::NotDumpable)?;
    rustix::thread::set_no_new_privs(true)?;
    install_filter()
}

fn install_filter() -> std::io::Result<()> {
    use seccompiler::{BpfProgram, SeccompAction, SeccompFilter, TargetArch};
    let arch = TargetArch::try_from(std::env::consts::ARCH)
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let apply = |calls: &[i64], mismatch: SeccompAction, matched: SeccompAction| {
        let filter = SeccompFilter::new(
            calls.iter().map(|&n| (n, Vec::new())).collect(),
            mismatch,
            matched,
            arch,
        )
        .map_err(|e| std::io::Error::other(e.to_string()))?;
        let program: BpfProgram = filter
            .try_into()
            .map_err(|e: seccompiler::BackendError| std::io::Error::other(e.to_string()))?;
        seccompiler::apply_filter(&program).map_err(|e| std::io::Error::other(e.to_string()))
    };
    // Opening a file or asking for the CPU set fails (EACCES) instead of killing: that is how
    // the decoder learns how many threads to start (one, then: no clone is allowed), and libc
    // copes with the answer "none". The stricter of two stacked filters wins, so the allow-list
    // below lets these through to this one.
    let opens = [
        libc::SYS_openat,
        libc::SYS_open,
        libc::SYS_sched_getaffinity,
    ];
    apply(
        &opens,
        SeccompAction::Allow,
        SeccompAction::Errno(libc::EACCES as u32),
    )?;
    let allowed = [
        libc::SYS_read,
        libc::SYS_write,
        libc::SYS_writev,
        libc::SYS_mmap,
        libc::SYS_munmap,
        libc::SYS_mremap,
        libc::SYS_madvise,
        libc::SYS_brk,
        libc::SYS_futex,
        libc::SYS_sigaltstack,
        libc::SYS_rt_sigprocmask,
        libc::SYS_rt_sigreturn,
        libc::SYS_sched_yield,
        libc::SYS_sched_getaffinity,
        libc::SYS_getrandom,
        libc::SYS_clock_gettime,
        libc::SYS_close,
        libc::SYS_exit,
        libc::SYS_exit_group,
        libc::SYS_openat,
        libc::SYS_open,
    ];
    apply(&allowed, SeccompAction::KillProcess, SeccompAction::Allow)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pipe that hands the answer over a few bytes at a time and notes where each read put
    /// them: (offset in the answer, address written to, byte count).
    struct Pipe<'a> {
        answer: &'a [u8],
        at: usize,
        writes: Vec<(usize, usize, usize)>,
    }

    impl Read for Pipe<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = buf.len().min(5).min(self.answer.len() - self.at);
            buf[..n].copy_from_slice(&self.answer[self.at..self.at + n]);
            self.writes.push((self.at, buf.as_ptr() as usize, n));
            self.at += n;
            Ok(n)
        }
    }

    #[test]
    fn the_pixels_are_read_straight_into_the_zeroizing_buffer_the_image_keeps() {
        // Every pixel byte from the child is written into `img.pixels` and nowhere else: no
        // growing read buffer whose outgrown allocations are freed unwiped, no copy afterwards.
        // (`RgbImage::pixels` is a `Zeroizing<Vec<u8>>`, so that one buffer is wiped on drop.)
        let (width, height) = (4u32, 3u32);
        let mut answer = b"IMG0".to_vec();
        answer.extend_from_slice(&width.to_be_bytes());
        answer.extend_from_slice(&height.to_be_bytes());
        answer.extend((0..width * height * 3).map(|i| i as u8));
        let mut pipe = Pipe {
            answer: &answer,
            at: 0,
            writes: Vec::new(),
        };
        let img = read_answer(&mut pipe, 1000).expect("image");
        let pixels: &Zeroizing<Vec<u8>> = &img.pixels;
        assert_eq!(pixels.as_slice(), &answer[12..]);
        assert_eq!(
            pixels.capacity(),
            pixels.len(),
            "allocated once, at its size"
        );
        let kept = pixels.as_ptr() as usize..pixels.as_ptr() as usize + pixels.len();
        for &(offset, address, n) in pipe.writes.iter().filter(|w| w.2 > 0 && w.0 + w.2 > 12) {
            assert!(
                offset >= 12 && kept.contains(&address) && kept.contains(&(address + n - 1)),
                "answer bytes {offset}..{} were read into a buffer the image does not keep",
                offset + n
            );
        }
    }

    #[test]
    fn answers_are_checked_before_they_become_images() {
        let max = 12 + 3 * 4;
        assert!(matches!(
            read_answer(&mut &b"ERR0broken codestream"[..], 1000),
            Err(SandboxError::Refused(r)) if r == "broken codestream"
        ));
        let mut ok = b"IMG0".to_vec();
        ok.extend_from_slice(&2u32.to_be_bytes());
        ok.extend_from_slice(&2u32.to_be_bytes());
        ok.extend_from_slice(&[7; 12]);
        let img = read_answer(&mut ok.as_slice(), max).expect("image");
        assert_eq!((img.width, img.height, img.pixels.len()), (2, 2, 12));
        let mut long = ok.clone();
        long.push(7);
        assert!(matches!(
            read_answer(&mut long.as_slice(), max + 1),
            Err(SandboxError::Malformed(_))
        ));
        let mut short = ok.clone();
        short.pop();
        assert!(matches!(
            read_answer(&mut short.as_slice(), max),
            Err(SandboxError::Malformed(_))
        ));
        let mut zero = b"IMG0".to_vec();
        zero.extend_from_slice(&[0; 8]);
        assert!(matches!(
            read_answer(&mut zero.as_slice(), max),
            Err(SandboxError::Malformed(_))
        ));
        assert!(matches!(
            read_answer(&mut &b"HELLO"[..], max),
            Err(SandboxError::Malformed(_))
        ));
    }
}
