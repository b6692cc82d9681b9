"""BoigLLM: a small causal transformer LM (pre-LN, learned positions, tied embeddings) whose
forward pass takes and returns a KV cache, so the same module exports to ONNX with
past/present key-values (SPEC §4).

forward(input_ids [B,T] int64, attention_mask [B,P+T] int64 (1 = real token, 0 = padding),
        past: list of (key, value) [B,H,P,Dh] per layer, P may be 0)
  -> logits [B,T,V], presents: list of (key, value) [B,H,P+T,Dh]
Positions come from the mask (cumsum - 1), so left-padded batches decode like unpadded ones.
"""
import math
from typing import List, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from .llm_config import LlmTrainConfig

KeyValue = Tuple[torch.Tensor, torch.Tensor]
# Additive scores for keys a query may not see. Finite, so a fully masked row (a padding query)
# stays finite; a future key is masked harder than a padding key, so a padding query attends
# only to the (padding) keys before it and its output does not depend on how much follows.
MASKED_PAD, MASKED_FUTURE = -1e9, -2e9


class Attention(nn.Module):
    def __init__(self, config: LlmTrainConfig):
        super().__init__()
        self.n_heads, self.head_dim = config.n_heads, config.head_dim
        self.qkv = nn.Linear(config.d_model, 3 * config.d_model)
        self.out = nn.Linear(config.d_model, config.d_model)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x: torch.Tensor, bias: torch.Tensor, past: KeyValue) -> Tuple[torch.Tensor, KeyValue]:
        batch, seq, width = x.shape
        q, k, v = self.qkv(x).split(width, dim=2)  # each [B,T,D]
        q, k, v = (t.reshape(batch, seq, self.n_heads, self.head_dim).transpose(1, 2) for t in (q, k, v))  # [B,H,T,Dh]
        k = torch.cat([past[0], k], dim=2)  # [B,H,P+T,Dh]
        v = torch.cat([past[1], v], dim=2)
        scores = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(self.head_dim) + bias  # [B,H,T,P+T]
        weights = self.dropout(torch.softmax(scores, dim=-1))
        y = torch.matmul(weights, v).transpose(1, 2).reshape(batch, seq, width)  # [B,T,D]
        return self.out(y), (k, v)


class Block(nn.Module):
    def __init__(self, config: LlmTrainConfig):
        super().__init__()
        self.norm1 = nn.LayerNorm(config.d_model)
        self.attn = Attention(config)
        self.norm2 = nn.LayerNorm(config.d_model)
        self.mlp = nn.Sequential(nn.Linear(config.d_model, config.d_ff), nn.GELU(), nn.Linear(config.d_ff, config.d_model))
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x: torch.Tensor, bias: torch.Tensor, past: KeyValue) -> Tuple[torch.Tensor, KeyValue]:
        attended, present = self.attn(self.norm1(x), bias, past)
        x = x + self.dropout(attended)
        x = x + self.dropout(self.mlp(self.norm2(x)))
        return x, present


class BoigLM(nn.Module):
    def __init__(self, config: LlmTrainConfig):
        super().__init__()
        if config.d_model % config.n_heads:
            raise ValueError("d_model must be a multiple of n_heads")
        self.config = config
        self.embed = nn.Embedding(config.vocab_size, config.d_model)
        self.positions = nn.Embedding(config.context, config.d_model)
        self.dropout = nn.Dropout(config.dropout)
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.n_layers))
        self.norm = nn.LayerNorm(config.d_model)
        self.apply(self._init)
        for block in self.blocks:  # GPT-2: scale residual projections by depth
            nn.init.normal_(block.attn.out.weight, std=0.02 / math.sqrt(2 * config.n_layers))
            nn.init.normal_(block.mlp[2].weight, std=0.02 / math.sqrt(2 * config.n_layers))

    @staticmethod
    def _init(module: nn.Module) -> None:
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)

    def empty_past(self, batch: int, device: torch.device = torch.device("cpu")) -> List[KeyValue]:
        shape = (batch, self.config.n_heads, 0, self.config.head_dim)
        return [(torch.zeros(shape, device=device), torch.zeros(shape, device=device)) for _ in self.blocks]

    def forward(
        self, input_ids: torch.Tensor, attention_mask: Optional[torch.Tensor] = None, past: Optional[List[KeyValue]] = None
    ) -> Tuple[torch.Tensor, List[KeyValue]]:
        batch, seq = input_ids.shape
        if past is None:
            past = self.empty_past(batch, input_ids.device)
        past_len = past[0][0].shape[2]
        total = past_len + seq
        if attention_mask is None:
            attention_mask = torch.ones(batch, total, dtype=torch.int64, device=input_ids.device)
        keep = attention_mask.to(torch.float32)  # [B,P+T]
        # Position of each token = number of real tokens before it (left padding does not shift it).
        position_ids = (torch.cumsum(attention_mask, dim=1) - 1).clamp(min=0)[:, past_len:]  # [B,T]
        query_pos = torch.arange(seq, device=input_ids.device).unsqueeze(1) + past_len  # [T,1]
        key_pos = torch.arange(total, device=input_ids.device).unsqueeze(0)  # [1,P+T]
        causal = (key_pos <= query_pos).to(torch.float32)  # [T,P+T]
        bias = (1.0 - causal).unsqueeze(0).unsqueeze(0) * MASKED_FUTURE + (1.0 - keep).unsqueeze(1).unsqueeze(1) * MASKED_PAD  # [B,1,T,P+T]
        x = self.dropout(self.embed(input_ids) + self.positions(position_ids))  # [B,T,D]
        presents: List[KeyValue] = []
        for block, block_past in zip(self.blocks, past):
            x, present = block(x, bias, block_past)
            presents.append(present)
        logits = torch.matmul(self.norm(x), self.embed.weight.t())  # tied output layer, [B,T,V]
        return logits, presents


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
