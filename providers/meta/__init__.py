"""Meta's Graph API family (Threads today; Facebook Pages and Instagram share it).

- ``graph``: one way to call a Graph host and one classification of its errors (codes 190,
  4/17/32/613, 10/200-299 and their subcodes), whichever Meta product answers.
"""
