"""An example hw4 theory submission, as a student might write it: mostly right, with two
realistic mistakes (the NLL is not multiplied by 1/beta, and the log loss is computed as
log(1 + exp(.)), which overflows for large energy gaps). `./run_autograder` with no argument
grades this file to show what grading looks like."""
import torch


def gibbs_distribution(energies, beta):
    return torch.softmax(-beta * energies, dim=0)


def nll_loss(energies, y, beta):
    # -log p(y|x) = beta F_y + log sum exp(-beta F): forgot to multiply by 1/beta
    return beta * energies[y] + torch.logsumexp(-beta * energies, dim=0)


def nll_loss_grad(energies, energy_grads, y, beta):
    p = gibbs_distribution(energies, beta)
    expected_grad = (p[:, None] * energy_grads).sum(dim=0)
    return energy_grads[y] - expected_grad


def simple_loss(f_pos, f_neg, margin):
    return torch.clamp(f_pos, min=0) + torch.clamp(margin - f_neg, min=0)


def simple_loss_grad(f_pos, f_neg, grad_pos, grad_neg, margin):
    grad = torch.zeros_like(grad_pos)
    if f_pos > 0:
        grad = grad + grad_pos
    if margin - f_neg > 0:
        grad = grad - grad_neg
    return grad


def log_loss(f_pos, f_neg):
    return torch.log(1 + torch.exp(f_pos - f_neg))


def log_loss_grad(f_pos, f_neg, grad_pos, grad_neg):
    return torch.sigmoid(f_pos - f_neg) * (grad_pos - grad_neg)


def square_square_loss(f_pos, f_neg, margin):
    return torch.clamp(f_pos, min=0) ** 2 + torch.clamp(margin - f_neg, min=0) ** 2


def square_square_loss_grad(f_pos, f_neg, grad_pos, grad_neg, margin):
    return 2 * torch.clamp(f_pos, min=0) * grad_pos - 2 * torch.clamp(margin - f_neg, min=0) * grad_neg


def hinge_loss(f_pos, f_neg, margin):
    return torch.clamp(f_pos - f_neg + margin, min=0)


def hinge_loss_grad(f_pos, f_neg, grad_pos, grad_neg, margin):
    if f_pos - f_neg + margin > 0:
        return grad_pos - grad_neg
    return torch.zeros_like(grad_pos)
