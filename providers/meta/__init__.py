"""Meta's Graph API family: Threads, Facebook Pages and Instagram share it.

- ``graph``: one way to call a Graph host and one classification of its errors (codes 190,
  4/17/32/613, 10/200-299 and their subcodes), whichever Meta product answers;
- ``containers``: the container flow Threads and Instagram publish through (make, wait,
  publish once; the container recorded before it is published; the daily quota);
- ``tokens``: long-lived tokens (the exchange, a refresh with the token itself).
"""
