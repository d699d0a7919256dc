"""`playground view`: the runs the playground recorded, as web pages (served on 127.0.0.1 or
exported as a static site). site.py maps an address to its page; discover, evalrun and study
read the runs; pages_* draw them; layout and markup make every page safe and alike."""
