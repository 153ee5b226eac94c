#!/usr/bin/env bash
# The CUDA paths of `detect` on a machine with an NVIDIA GPU: each runs, each prints its fps, and
# each is checked to have really used the GPU (from the run's own log lines), in under 5 minutes.
#
#   scripts/gpu_check.sh                      # from anywhere; needs yolo11n.pt ($DETECT_MODELS_DIR or a download)
#
# Paths (GPU_CHECK_CLIP, default sample_videos/highway.mp4, looped GPU_CHECK_LOOPS=7 times: 1,547
# frames of 960x540):
#   torch          detector on cuda, decode and encode on the CPU (the baseline of the rows below)
#   tensorrt       the same with backend: tensorrt, FP16 (only when the tensorrt package is installed;
#                  its first run exports the engine, 1-3 min, cached for later runs)
#   torch+nvdec    source hwaccel: cuda
#   torch+nvenc    video sink encoder: h264_nvenc
# Every output must be H.264 yuv420p at the input's size with every input frame.
#
# Exit: 0 every path ran on the GPU; 1 a path asked for the GPU fell back to the CPU (or failed);
#       2 no GPU visible here (one line says why). Settings: GPU_CHECK_LOOPS, GPU_CHECK_MODEL
# (yolo11n.pt), GPU_CHECK_DEVICE (cuda:0), GPU_CHECK_CLIP, GPU_CHECK_PATHS (the names above, to run
# only some), PYTHON (python). GPU_CHECK_SKIP_PRESENCE=1 runs the
# paths without a GPU (tests/test_gpu_check.py: a fallback must be reported, not passed).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PY=${PYTHON:-python}
CLIP=${GPU_CHECK_CLIP:-$ROOT/sample_videos/highway.mp4}
LOOPS=${GPU_CHECK_LOOPS:-7}
MODEL=${GPU_CHECK_MODEL:-yolo11n.pt}
DEVICE=${GPU_CHECK_DEVICE:-cuda:0}
PATHS=" ${GPU_CHECK_PATHS:-torch tensorrt torch+nvdec torch+nvenc} "

no_gpu() { echo "gpu_check: no GPU to check: $1"; exit 2; }

if [[ -z ${GPU_CHECK_SKIP_PRESENCE:-} ]]; then
    command -v nvidia-smi >/dev/null 2>&1 || no_gpu "nvidia-smi not found (no NVIDIA driver)"
    gpus=$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1) \
        || no_gpu "nvidia-smi failed: $(head -n 1 <<<"$gpus")"
    torch_cuda=$("$PY" -c "import torch; print(torch.cuda.is_available(), torch.__version__, torch.version.cuda)" 2>&1) \
        || no_gpu "torch does not import: $(tail -n 1 <<<"$torch_cuda")"
    [[ $torch_cuda == True* ]] || no_gpu "nvidia-smi sees $(head -n 1 <<<"$gpus") but torch.cuda.is_available() is False (torch, CUDA: ${torch_cuda#False })"
    echo "GPU: $gpus; torch, CUDA: ${torch_cuda#True }"
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/gpu_check.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"

# The sample looped by remuxing (no re-encoding): each pass shifted by the span of the one before.
"$PY" - "$CLIP" "$WORK/clip.mp4" "$LOOPS" <<'EOF' || { echo "gpu_check: could not loop the sample clip"; exit 1; }
import sys
import av
src, dst, loops = sys.argv[1], sys.argv[2], int(sys.argv[3])
with av.open(src) as inp, av.open(dst, "w") as out:
    stream = inp.streams.video[0]
    copy = out.add_stream_from_template(stream)
    offset = 0
    for _ in range(loops):
        inp.seek(0)
        first, end = None, 0
        for packet in inp.demux(stream):
            if packet.dts is None:
                continue
            first = packet.dts if first is None else min(first, packet.dts)
            end = max(end, packet.pts + packet.duration, packet.dts + packet.duration)
            packet.pts += offset
            packet.dts += offset
            packet.stream = copy
            out.mux(packet)
        offset += end - first
EOF
# What every output must be: "h264 yuv420p WIDTHxHEIGHT FRAMES" (even size, as the video sink writes it).
describe() {
    "$PY" -c "
import av, sys
with av.open(sys.argv[1]) as c:
    s = c.streams.video[0]
    n = sum(1 for _ in c.decode(s))
    w, h = s.codec_context.width, s.codec_context.height
    print(s.codec_context.name, s.codec_context.pix_fmt, f'{w - w % 2}x{h - h % 2}', n)
" "$1" 2>&1
}
read -r _ _ SIZE FRAMES <<<"$(describe "$WORK/clip.mp4")"

cat >"$WORK/check.yaml" <<EOF
source: {type: video, path: $WORK/clip.mp4}
detector: {type: ultralytics, model: $MODEL, device: $DEVICE, backend: torch}
tracker: {type: bytetrack}
annotators: [{type: boxes}, {type: labels}, {type: trails}]
sinks: [{type: video, path: $WORK/out.mp4}, {type: jsonl, path: $WORK/out.jsonl}]
EOF

# One path: its name, then --set overrides. Prints a row; returns 1 when the GPU was asked for and not used.
run_path() {
    local name=$1; shift
    [[ $PATHS == *" $name "* ]] || return 0
    local log="$WORK/$name.log" out="$WORK/$name.mp4" problems=()
    "$PY" -m detect run "$WORK/check.yaml" --set "sinks.0.path=$out" "$@" >"$log" 2>&1
    local rc=$?
    local fps device decode=cpu encode=libx264 file
    fps=$(sed -n 's/^done: .*(\([0-9.]*\) fps;.*/\1/p' "$log" | tail -n 1)
    device=$(sed -n 's/.*detector: .* on \([a-z]*\) (\([^)]*\)).*/\1 \2/p' "$log" | tail -n 1)
    grep -q "decoding on the GPU" "$log" && decode=nvdec
    grep -q "encoding with h264_nvenc" "$log" && encode=nvenc
    [[ $rc == 0 ]] || problems+=("exit $rc: $(grep -m 1 -E '^(error|Traceback)' "$log" || tail -n 1 "$log")")
    [[ $device == *" cuda"* ]] || problems+=("detector not on CUDA (${device:-no detector line})")
    case " $* " in *"hwaccel=cuda"*) [[ $decode == nvdec ]] ||
        problems+=("decode fell back: $(grep -m 1 'hwaccel' "$log" || echo 'no decode line')");; esac
    case " $* " in *"encoder=h264_nvenc"*) [[ $encode == nvenc ]] ||
        problems+=("encode fell back: $(grep -m 1 'encoder h264_nvenc' "$log" || echo 'no encoder line')");; esac
    if [[ $rc == 0 ]]; then
        file=$(describe "$out")
        [[ $file == "h264 yuv420p $SIZE $FRAMES" ]] || problems+=("output is '$file', not h264 yuv420p $SIZE $FRAMES frames")
    fi
    local verdict="GPU"
    (( ${#problems[@]} )) && verdict="FAIL: $(IFS=';'; echo "${problems[*]}")"
    printf '%-12s %8s  %-16s %-6s %-8s %s\n' "$name" "${fps:--}" "${device:--}" "$decode" "$encode" "$verdict"
    (( ${#problems[@]} == 0 ))
}

echo "$FRAMES frames of $SIZE per path; fps without start-up"
printf '%-12s %8s  %-16s %-6s %-8s %s\n' path fps detector decode encode result
failed=0
run_path torch || failed=1
if [[ $PATHS != *" tensorrt "* ]] || "$PY" -c "import tensorrt" >/dev/null 2>&1; then
    run_path tensorrt --set detector.backend=tensorrt --set detector.half=true || failed=1
else
    echo "tensorrt     skipped: the tensorrt package is not installed (pip install \"detect[gpu]\")"
fi
run_path torch+nvdec --set source.hwaccel=cuda || failed=1
run_path torch+nvenc --set sinks.0.encoder=h264_nvenc || failed=1
if (( failed )); then
    trap - EXIT
    echo "gpu_check: a GPU path fell back to the CPU or failed (FAIL rows above; logs in $WORK), ${SECONDS} s"
    exit 1
fi
echo "gpu_check: every path ran on the GPU, ${SECONDS} s"
