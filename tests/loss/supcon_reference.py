# Oracle for test_loss: the SupConLoss of Khosla et al.'s reference code (contrast_mode "all",
# base_temperature = temperature) in float64 PyTorch, a formulation independent of ours (view-major
# rows, max-subtraction, explicit masks). labels=None gives SimCLR.
# Input file: "N V D T" then N*V*D raw features, then N labels. Features are L2-normalised here.
# Output: the SimCLR loss, its gradient w.r.t. the raw features, the SupCon loss, its gradient.
import sys

try:
    import torch
except ImportError:
    sys.exit(77)


def supcon_loss(features, labels, temperature):
    batch_size, contrast_count = features.shape[0], features.shape[1]
    if labels is None:
        mask = torch.eye(batch_size, dtype=torch.float64)
    else:
        labels = labels.contiguous().view(-1, 1)
        mask = torch.eq(labels, labels.T).double()
    contrast_feature = torch.cat(torch.unbind(features, dim=1), dim=0)
    anchor_dot_contrast = torch.matmul(contrast_feature, contrast_feature.T) / temperature
    logits_max, _ = torch.max(anchor_dot_contrast, dim=1, keepdim=True)
    logits = anchor_dot_contrast - logits_max.detach()
    mask = mask.repeat(contrast_count, contrast_count)
    n = batch_size * contrast_count
    logits_mask = torch.scatter(torch.ones_like(mask), 1, torch.arange(n).view(-1, 1), 0)
    mask = mask * logits_mask
    exp_logits = torch.exp(logits) * logits_mask
    log_prob = logits - torch.log(exp_logits.sum(1, keepdim=True))
    mean_log_prob_pos = (mask * log_prob).sum(1) / mask.sum(1)
    return (-mean_log_prob_pos).view(contrast_count, batch_size).mean()


values = open(sys.argv[1]).read().split()
n, v, d = (int(x) for x in values[:3])
temperature = float(values[3])
raw = torch.tensor([float(x) for x in values[4:4 + n * v * d]], dtype=torch.float64).view(n, v, d)
labels = torch.tensor([int(x) for x in values[4 + n * v * d:4 + n * v * d + n]])
for label_arg in (None, labels):
    x = raw.clone().requires_grad_(True)
    loss = supcon_loss(torch.nn.functional.normalize(x, dim=2), label_arg, temperature)
    loss.backward()
    print(repr(loss.item()))
    print(" ".join(repr(g) for g in x.grad.flatten().tolist()))
