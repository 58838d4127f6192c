# Prints, for each architecture named, a line "== arch" and then "P|B name shape" for every parameter
# and buffer of that torchvision ResNet without its fc layer (3 input channels, ImageNet stem): the
# reference test_model compares against (one process for all: importing torchvision is slow).
# Regenerate the committed lists with: /usr/bin/python3 torchvision_names.py resnet18 > torchvision_resnet18.txt
import sys

try:
    import torchvision
except ImportError:
    sys.exit(77)

for arch in sys.argv[1:]:
    print("==", arch)
    model = getattr(torchvision.models, arch)()
    for kind, items in (("P", model.named_parameters()), ("B", model.named_buffers())):
        for name, tensor in items:
            if not name.startswith("fc."):
                print(kind, name, "x".join(str(s) for s in tensor.shape) or "scalar")
