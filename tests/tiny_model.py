"""A tiny sentiment model the tests build and train in a second, so they never need a download."""

from __future__ import annotations

from pathlib import Path

import torch
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
from transformers import BertConfig, BertForSequenceClassification, PreTrainedTokenizerFast

EXAMPLES = [
    ("ужасно долго ждали, грубый официант", 0),
    ("ужасный сервис, больше не придём", 0),
    ("холодный кофе и грязно", 0),
    ("terrible service, rude staff", 0),
    ("todella huono palvelu", 0),
    ("работаете ли вы в субботу", 1),
    ("адрес и часы работы", 1),
    ("are you open on sunday", 1),
    ("отличный кофе, спасибо", 2),
    ("прекрасный сервис, рекомендую", 2),
    ("great coffee, thank you", 2),
    ("tosi hyvä kahvi, kiitos", 2),
]
# Hostile replies (negative), polite ones (positive) and plain questions (neutral), in the three languages.
REPLY_EXAMPLES = [
    ("нам такие клиенты не нужны, не приходите больше", 0),
    ("сами виноваты, нечего было заказывать", 0),
    ("надоели ваши жалобы, хватит ныть", 0),
    ("go away, we do not need customers like you", 0),
    ("stop whining, your complaint is nonsense", 0),
    ("emme tarvitse tällaisia asiakkaita, älä tule enää", 0),
    ("lopeta valittaminen, palautteesi on hölynpölyä", 0),
    ("анна, здравствуйте! спасибо, что написали. сегодня вернём деньги", 2),
    ("спасибо за отзыв, простите за ожидание, завтра позвоним", 2),
    ("hello sarah, thank you for writing. we will refund you today", 2),
    ("thank you, sorry you had to wait, we will call you tomorrow", 2),
    ("hei matti, kiitos viestistäsi. palautamme maksun tänään", 2),
    ("kiitos palautteesta, pahoittelemme odottamista, soitamme huomenna", 2),
    ("адрес и часы работы", 1),
    ("are you open on sunday", 1),
]
SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]"]


def build_tiny_model(
    folder: Path, *, labels=("negative", "neutral", "positive"), max_length: int = 32, examples=EXAMPLES
) -> Path:
    """`examples`: (text, label index) pairs it learns, 0 negative, 1 neutral, 2 positive."""
    words = sorted({w for text, _ in examples for w in pre_tokenizers.BertPreTokenizer().pre_tokenize_str(text.lower())
                    for w in [w[0]]})
    vocab = {token: i for i, token in enumerate(SPECIAL + words)}
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.Lowercase()
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])]
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]",
        model_max_length=max_length,
    )
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(vocab), hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64,
        max_position_embeddings=max_length + 2, num_labels=len(labels),
        id2label=dict(enumerate(labels)), label2id={label: i for i, label in enumerate(labels)},
    )
    model = BertForSequenceClassification(config)
    batch = fast([text for text, _ in examples], padding=True, return_tensors="pt")
    targets = torch.tensor([min(label, len(labels) - 1) for _, label in examples])
    optimiser = torch.optim.AdamW(model.parameters(), lr=3e-3)
    model.train()
    for _ in range(60):
        optimiser.zero_grad()
        model(**batch, labels=targets).loss.backward()
        optimiser.step()
    model.eval()
    model.save_pretrained(folder)
    fast.save_pretrained(folder)
    return folder
