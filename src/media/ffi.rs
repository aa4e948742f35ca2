//! The few libav* facts ffmpeg-next does not expose safely, read through its raw pointers.
//!
//! Every `unsafe` block of the media core lives here. Each function takes a live ffmpeg-next
//! wrapper (so the pointer is valid for the borrow) and returns owned Rust values.

use std::ffi::CStr;
use std::os::raw::{c_char, c_int};

use ffmpeg_next::ffi;

/// Plain copy of the stream facts a probe reports, read from `AVCodecParameters`.
#[derive(Debug, Clone, Default)]
pub(crate) struct RawParams {
    pub width: u32,
    pub height: u32,
    pub sar: (i32, i32),
    pub profile: Option<String>,
    pub pixel_format: Option<String>,
    pub bit_depth: Option<u32>,
    pub color_range: Option<String>,
    pub color_primaries: Option<String>,
    pub color_transfer: Option<String>,
    pub color_space: Option<String>,
    pub sample_format: Option<String>,
    pub sample_rate_hz: u32,
    pub channels: u32,
    pub channel_layout: Option<String>,
    pub bit_rate_bps: Option<u64>,
    pub codec_name: String,
    pub codec_long_name: Option<String>,
    pub intra_only_image: bool,
}

fn cstr(ptr: *const c_char) -> Option<String> {
    if ptr.is_null() {
        return None;
    }
    // SAFETY: libav returns static, NUL-terminated names (or NULL, handled above).
    let s = unsafe { CStr::from_ptr(ptr) }.to_string_lossy().into_owned();
    (!s.is_empty() && s != "unknown" && s != "unspecified").then_some(s)
}

fn pixel_format(raw: c_int) -> Option<ffi::AVPixelFormat> {
    // AVPixelFormat is a sequential C enum from NONE (-1) to NB; bindgen makes it a Rust enum, so
    // only values inside that range may be turned into it.
    if raw < 0 || raw >= ffi::AVPixelFormat::AV_PIX_FMT_NB as c_int {
        return None;
    }
    // SAFETY: range-checked above; the enum is #[repr(i32)]-compatible and contiguous.
    Some(unsafe { std::mem::transmute::<c_int, ffi::AVPixelFormat>(raw) })
}

fn sample_format(raw: c_int) -> Option<ffi::AVSampleFormat> {
    if raw < 0 || raw >= ffi::AVSampleFormat::AV_SAMPLE_FMT_NB as c_int {
        return None;
    }
    // SAFETY: as for pixel formats: a contiguous C enum, range-checked.
    Some(unsafe { std::mem::transmute::<c_int, ffi::AVSampleFormat>(raw) })
}

/// Reads the codec parameters of a stream.
pub(crate) fn raw_params(params: &ffmpeg_next::codec::Parameters) -> RawParams {
    // SAFETY: `params` wraps a valid AVCodecParameters for the duration of this borrow; we only
    // read plain fields and call libav's pure lookup functions, which return static strings.
    unsafe {
        let p = &*params.as_ptr();
        let mut out = RawParams {
            width: p.width.max(0) as u32,
            height: p.height.max(0) as u32,
            sar: (p.sample_aspect_ratio.num, p.sample_aspect_ratio.den),
            bit_rate_bps: (p.bit_rate > 0).then_some(p.bit_rate as u64),
            sample_rate_hz: p.sample_rate.max(0) as u32,
            ..RawParams::default()
        };
        let desc = ffi::avcodec_descriptor_get(p.codec_id);
        if desc.is_null() {
            out.codec_name = "unknown".into();
        } else {
            out.codec_name = cstr((*desc).name).unwrap_or_else(|| "unknown".into());
            out.codec_long_name = cstr((*desc).long_name);
            // Still-image codecs (PNG, BMP, WebP…) are intra-only and not meant for moving video.
            let props = (*desc).props;
            out.intra_only_image = props & ffi::AV_CODEC_PROP_INTRA_ONLY as c_int != 0
                && matches!(
                    out.codec_name.as_str(),
                    "png" | "bmp" | "tiff" | "webp" | "jpegxl" | "gif" | "mjpeg" | "jpeg2000"
                        | "ppm" | "pgm" | "pbm" | "pam" | "qoi" | "sgi" | "targa" | "psd"
                );
        }
        if p.profile >= 0 {
            out.profile = cstr(ffi::avcodec_profile_name(p.codec_id, p.profile));
        }
        match p.codec_type {
            ffi::AVMediaType::AVMEDIA_TYPE_VIDEO => {
                if let Some(fmt) = pixel_format(p.format) {
                    out.pixel_format = cstr(ffi::av_get_pix_fmt_name(fmt));
                    let d = ffi::av_pix_fmt_desc_get(fmt);
                    if !d.is_null() && (*d).nb_components > 0 {
                        out.bit_depth = Some((*d).comp[0].depth as u32);
                    }
                }
                if p.bits_per_raw_sample > 0 && out.bit_depth.is_none() {
                    out.bit_depth = Some(p.bits_per_raw_sample as u32);
                }
                out.color_range = cstr(ffi::av_color_range_name(p.color_range));
                out.color_primaries = cstr(ffi::av_color_primaries_name(p.color_primaries));
                out.color_transfer = cstr(ffi::av_color_transfer_name(p.color_trc));
                out.color_space = cstr(ffi::av_color_space_name(p.color_space));
            }
            ffi::AVMediaType::AVMEDIA_TYPE_AUDIO => {
                if let Some(fmt) = sample_format(p.format) {
                    out.sample_format = cstr(ffi::av_get_sample_fmt_name(fmt));
                }
                out.channels = p.ch_layout.nb_channels.max(0) as u32;
                let mut buf = [0 as c_char; 128];
                let n = ffi::av_channel_layout_describe(&p.ch_layout, buf.as_mut_ptr(), buf.len());
                if n > 0 {
                    out.channel_layout = cstr(buf.as_ptr());
                }
            }
            _ => {}
        }
        out
    }
}

/// Clockwise rotation, in degrees (0, 90, 180 or 270), that a player applies to show the stream
/// upright, from the stream's display-matrix side data.
pub(crate) fn display_rotation_cw(stream: &ffmpeg_next::format::stream::Stream) -> u32 {
    for side in stream.side_data() {
        if side.kind() != ffmpeg_next::codec::packet::side_data::Type::DisplayMatrix {
            continue;
        }
        let data = side.data();
        if data.len() < 9 * std::mem::size_of::<i32>() {
            continue;
        }
        let mut matrix = [0i32; 9];
        for (i, chunk) in data.chunks_exact(4).take(9).enumerate() {
            matrix[i] = i32::from_ne_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        }
        // SAFETY: a 3x3 matrix of i32, as av_display_rotation_get expects, owned by us.
        let ccw = unsafe { ffi::av_display_rotation_get(matrix.as_ptr()) };
        if ccw.is_nan() {
            return 0;
        }
        // The matrix gives counter-clockwise degrees; players rotate by its opposite.
        let cw = (-ccw).rem_euclid(360.0);
        return ((cw / 90.0).round() as u32 % 4) * 90;
    }
    0
}

/// The demuxer's human name, e.g. "QuickTime / MOV".
pub(crate) fn format_long_name(input: &ffmpeg_next::format::context::Input) -> Option<String> {
    // SAFETY: `iformat` of an open input is a static AVInputFormat.
    unsafe {
        let ctx = &*input.as_ptr();
        if ctx.iformat.is_null() {
            return None;
        }
        cstr((*ctx.iformat).long_name)
    }
}

/// Silences libav's own logging: errors reach the user through our typed errors instead.
pub(crate) fn quiet_libav_logs() {
    // SAFETY: sets a global integer in libavutil.
    unsafe { ffi::av_log_set_level(ffi::AV_LOG_QUIET) }
}
