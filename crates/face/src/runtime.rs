//! Loading ONNX Runtime (load-dynamic) and building sessions with the station's settings.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use ort::environment::Environment;
use ort::session::Session;
use ort::session::builder::GraphOptimizationLevel;

use crate::error::FaceError;

/// ONNX Runtime allows one environment per process; every engine shares it.
static ENVIRONMENT: OnceLock<Environment> = OnceLock::new();
static INIT_LOCK: Mutex<()> = Mutex::new(());

/// Default library path: `ORT_DYLIB_PATH` if set, else the project-local install of scripts/setup.
pub fn default_runtime_path() -> PathBuf {
    std::env::var_os("ORT_DYLIB_PATH")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(".idgate/onnxruntime/libonnxruntime.so"))
}

/// Default model directory: `IDGATE_MODEL_DIR` if set, else the project-local install of scripts/setup.
pub fn default_model_dir() -> PathBuf {
    std::env::var_os("IDGATE_MODEL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(".idgate/models"))
}

/// Loads the runtime library once per process and returns the shared environment.
/// Later calls return the first environment whatever path they name (the library cannot be swapped).
pub fn environment(path: &Path) -> Result<Environment, FaceError> {
    // A wrong path is a configuration error even if another engine already loaded the library.
    if !path.is_file() {
        return Err(FaceError::RuntimeMissing {
            path: path.to_path_buf(),
        });
    }
    if let Some(env) = ENVIRONMENT.get() {
        return Ok(env.clone());
    }
    let _guard = INIT_LOCK.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(env) = ENVIRONMENT.get() {
        return Ok(env.clone());
    }
    let load_err = |reason: String| FaceError::RuntimeLoad {
        path: path.to_path_buf(),
        reason,
    };
    let env = ort::init_from(path)
        .map_err(|e| load_err(e.to_string()))?
        .with_name("idgate-face")
        .with_telemetry(false)
        .build()
        .map_err(|e| load_err(e.to_string()))?;
    Ok(ENVIRONMENT.get_or_init(|| env).clone())
}

/// Builds a CPU session for `path` with every graph optimisation (ORT_ENABLE_ALL: basic,
/// extended and layout/NCHWc; measured ~25% less CPU for SFace than ORT_ENABLE_LAYOUT here)
/// and `threads` intra-op threads.
/// `spinning` lets pool threads busy-wait for the next op while a run is in progress, and stops
/// them when it ends: waking a sleeping thread for each of SFace's ~110 small ops cost more than
/// the spinning (measured: detect+embed 10.5 vs 12.1 ms wall, 20.7 ms CPU either way). Spinning
/// between runs as well was much worse (22.9 ms): every session's pool spun on two cores.
pub fn session(
    env: &Environment,
    path: &Path,
    threads: usize,
    spinning: bool,
) -> Result<Session, FaceError> {
    if !path.is_file() {
        return Err(FaceError::ModelMissing {
            path: path.to_path_buf(),
        });
    }
    let fail = |reason: String| FaceError::ModelLoad {
        path: path.to_path_buf(),
        reason,
    };
    let session = builder(env, threads, spinning, &fail)?
        .commit_from_file(path)
        .map_err(|e| fail(e.to_string()))?;
    crate::model_io::check(&session, path)?;
    Ok(session)
}

/// [`session`] for a model already in memory (e.g. rewritten on load); `path` names it in errors.
pub fn session_from_memory(
    env: &Environment,
    path: &Path,
    model: &[u8],
    threads: usize,
    spinning: bool,
) -> Result<Session, FaceError> {
    let fail = |reason: String| FaceError::ModelLoad {
        path: path.to_path_buf(),
        reason,
    };
    let session = builder(env, threads, spinning, &fail)?
        .commit_from_memory(model)
        .map_err(|e| fail(e.to_string()))?;
    crate::model_io::check(&session, path)?;
    Ok(session)
}

fn builder(
    env: &Environment,
    threads: usize,
    spinning: bool,
    fail: &dyn Fn(String) -> FaceError,
) -> Result<ort::session::builder::SessionBuilder, FaceError> {
    Session::builder(env)
        .map_err(|e| fail(e.to_string()))?
        .with_optimization_level(GraphOptimizationLevel::All)
        .map_err(|e| fail(ort::Error::<()>::from(e).to_string()))?
        .with_intra_threads(threads.max(1))
        .map_err(|e| fail(ort::Error::<()>::from(e).to_string()))?
        .with_intra_op_spinning(spinning)
        .map_err(|e| fail(ort::Error::<()>::from(e).to_string()))?
        // Spin only while a run is in progress: between a model's ops (where waking a sleeping
        // thread costs more than many small ops take) but not between runs, where four sessions'
        // spinning pools would fight over two cores.
        .with_config_entry(
            "session.force_spinning_stop",
            if spinning { "1" } else { "0" },
        )
        .map_err(|e| fail(ort::Error::<()>::from(e).to_string()))
}
