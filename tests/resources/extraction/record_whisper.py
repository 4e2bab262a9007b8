"""Re-record whisper_espeak.jsonl: corpus sentences spoken by espeak-ng
(Indonesian voice) and transcribed by Whisper base (faster-whisper, CPU, int8,
beam 1, the Pantau defaults). The labels are what was *said*, so the scores
show what reaches the rules after real ASR errors.

    python tests/resources/extraction/record_whisper.py MODEL_DIR
"""
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(model_dir: str) -> None:
    from faster_whisper import WhisperModel

    corpus = [json.loads(line) for line in open(HERE / "corpus.jsonl", encoding="utf-8")]
    picked = [c for c in corpus if c["group"] in (
        "words: basic constructions", "which number is the price", "quantities", "origin",
        "numbers that are not prices")][::5]
    model = WhisperModel(model_dir, device="cpu", compute_type="int8", cpu_threads=1)
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "u.wav"
        for item in picked:
            subprocess.run(["espeak-ng", "-v", "id", "-s", "140", "-w", str(wav), item["text"]], check=True)
            segments, _ = model.transcribe(str(wav), language="id", beam_size=1, vad_filter=False)
            heard = " ".join(s.text.strip() for s in segments).strip()
            out.append({"id": "w" + item["id"], "group": "whisper on espeak-ng", "said": item["text"],
                        "text": heard, "offers": item["offers"]})
            print(heard, file=sys.stderr)
    with open(HERE / "whisper_espeak.jsonl", "w", encoding="utf-8") as f:
        for row in out:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
