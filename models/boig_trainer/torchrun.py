"""`python -m boig_trainer.torchrun ARGS` is `torchrun ARGS` (torch.distributed.run), made to work
with Debian's python3-torch 1.13 on Python 3.11: there torchrun cannot parse its own default
`--redirects 0 --tee 0` (Std.from_str looks the value up by iterating the IntFlag, and since
Python 3.11 iteration skips the zero and multi-bit members, so it returns None and the launch
dies with "'NoneType' object has no attribute 'get'"). Newer torch has the fix; there this is
plain torchrun. Only this launcher process is patched: the workers run `-m boig_trainer` as usual."""
import re
import sys
from typing import Dict, Union

from torch.distributed.elastic.multiprocessing.api import Std
from torch.distributed.run import main

VALUE = r"^[0123]$"
MAPPING = r"^(\d:[0123],)*(\d:[0123])$"


def from_str(cls: type, text: str) -> Union[Std, Dict[int, Std]]:
    """Std.from_str by value: Std(0) is NONE and Std(3) is ALL on every Python."""
    if re.match(VALUE, text):
        return Std(int(text))
    if re.match(MAPPING, text):
        return {int(rank): Std(int(value)) for rank, value in (part.split(":") for part in text.split(","))}
    raise ValueError(f"{text} does not match: <{VALUE}> or <{MAPPING}>")


if Std.from_str("0") is None:  # the broken lookup; a fixed torch keeps its own
    Std.from_str = classmethod(from_str)  # type: ignore[assignment,method-assign]

if __name__ == "__main__":
    sys.exit(main())
