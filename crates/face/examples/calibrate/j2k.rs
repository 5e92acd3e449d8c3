//! JPEG 2000 encoding in memory through OpenJPEG (openjpeg-sys), to turn a photo into what a
//! chip holds. Hand-rolled FFI because the `jpeg2k` crate encodes only to a file, and a face
//! photo must not be written to disk; its decoder (used to read the result back) is fine.
#![allow(unsafe_code)]

use std::ffi::c_void;

use openjpeg_sys as opj;

/// Where OpenJPEG's output stream writes: a growable buffer with a cursor (it seeks back to
/// patch marker lengths).
struct Sink {
    buf: Vec<u8>,
    pos: usize,
}

unsafe extern "C" fn write_fn(data: *mut c_void, n: usize, user: *mut c_void) -> usize {
    // SAFETY: OpenJPEG passes back the `Sink` we registered and a buffer of `n` bytes.
    let sink = unsafe { &mut *(user as *mut Sink) };
    let src = unsafe { std::slice::from_raw_parts(data as *const u8, n) };
    let end = sink.pos + n;
    if sink.buf.len() < end {
        sink.buf.resize(end, 0);
    }
    sink.buf[sink.pos..end].copy_from_slice(src);
    sink.pos = end;
    n
}

unsafe extern "C" fn skip_fn(n: i64, user: *mut c_void) -> i64 {
    // SAFETY: as in `write_fn`.
    let sink = unsafe { &mut *(user as *mut Sink) };
    let Some(pos) = sink.pos.checked_add_signed(n as isize) else {
        return -1;
    };
    sink.pos = pos;
    n
}

unsafe extern "C" fn seek_fn(n: i64, user: *mut c_void) -> i32 {
    // SAFETY: as in `write_fn`.
    let sink = unsafe { &mut *(user as *mut Sink) };
    match usize::try_from(n) {
        Ok(p) => {
            sink.pos = p;
            1
        }
        Err(_) => 0,
    }
}

/// Encodes 8-bit samples (`channels` = 1 grey or 3 RGB, interleaved) as a raw JPEG 2000
/// codestream with the irreversible 9/7 wavelet (as chip photos are), at `bits_per_pixel`
/// (e.g. 1.25 bpp at 240×320 is 12 KB, a usual DG2 size).
pub fn encode(
    samples: &[u8],
    width: u32,
    height: u32,
    channels: u32,
    bits_per_pixel: f32,
) -> Result<Vec<u8>, String> {
    let n = width as usize * height as usize;
    if !(channels == 1 || channels == 3) || samples.len() != n * channels as usize || n == 0 {
        return Err("encode: samples do not match width × height × channels".into());
    }
    if !(bits_per_pixel > 0.0 && bits_per_pixel < 8.0 * channels as f32) {
        return Err("encode: bits_per_pixel out of range".into());
    }
    let mut sink = Box::new(Sink {
        buf: Vec::new(),
        pos: 0,
    });
    // SAFETY: every pointer comes from OpenJPEG's own constructors and is checked for null;
    // each object is destroyed exactly once below, after its last use; the image's component
    // buffers have w×h samples as allocated by `opj_image_create`.
    unsafe {
        let mut params: opj::opj_cparameters_t = std::mem::zeroed();
        opj::opj_set_default_encoder_parameters(&mut params);
        params.tcp_numlayers = 1;
        // The rate is a compression ratio against the uncompressed 8-bit samples.
        params.tcp_rates[0] = 8.0 * channels as f32 / bits_per_pixel;
        params.cp_disto_alloc = 1;
        params.irreversible = 1;
        params.tcp_mct = if channels == 3 { 1 } else { 0 };
        // Every resolution level halves the image; the smallest must stay ≥ 1 px.
        let min_side = width.min(height).max(1);
        params.numresolution = (min_side.ilog2() as i32).clamp(1, 6);

        let mut comps = vec![
            opj::opj_image_cmptparm_t {
                dx: 1,
                dy: 1,
                w: width,
                h: height,
                x0: 0,
                y0: 0,
                prec: 8,
                bpp: 8,
                sgnd: 0,
            };
            channels as usize
        ];
        let space = if channels == 3 {
            opj::COLOR_SPACE::OPJ_CLRSPC_SRGB
        } else {
            opj::COLOR_SPACE::OPJ_CLRSPC_GRAY
        };
        let image = opj::opj_image_create(channels, comps.as_mut_ptr(), space);
        if image.is_null() {
            return Err("opj_image_create failed".into());
        }
        (*image).x0 = 0;
        (*image).y0 = 0;
        (*image).x1 = width;
        (*image).y1 = height;
        for c in 0..channels as usize {
            let comp = &mut *(*image).comps.add(c);
            let data = std::slice::from_raw_parts_mut(comp.data, n);
            for (i, d) in data.iter_mut().enumerate() {
                *d = i32::from(samples[i * channels as usize + c]);
            }
        }
        let codec = opj::opj_create_compress(opj::CODEC_FORMAT::OPJ_CODEC_J2K);
        if codec.is_null() {
            opj::opj_image_destroy(image);
            return Err("opj_create_compress failed".into());
        }
        let stream = opj::opj_stream_create(1 << 16, 0);
        if stream.is_null() {
            opj::opj_destroy_codec(codec);
            opj::opj_image_destroy(image);
            return Err("opj_stream_create failed".into());
        }
        opj::opj_stream_set_write_function(stream, Some(write_fn));
        opj::opj_stream_set_skip_function(stream, Some(skip_fn));
        opj::opj_stream_set_seek_function(stream, Some(seek_fn));
        opj::opj_stream_set_user_data(stream, &mut *sink as *mut Sink as *mut c_void, None);
        let ok = opj::opj_setup_encoder(codec, &mut params, image) == 1
            && opj::opj_start_compress(codec, image, stream) == 1
            && opj::opj_encode(codec, stream) == 1
            && opj::opj_end_compress(codec, stream) == 1;
        // `opj_end_compress` wrote the end-of-codestream marker and flushed into the sink.
        opj::opj_stream_destroy(stream);
        opj::opj_destroy_codec(codec);
        opj::opj_image_destroy(image);
        if !ok {
            return Err("OpenJPEG could not encode the image".into());
        }
    }
    Ok(sink.buf)
}
