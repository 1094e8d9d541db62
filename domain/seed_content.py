"""Static demo content: courses with modules and lesson text, an exam, leads and a campaign."""

from typing import Any

COURSES: list[dict[str, Any]] = [
    {
        "title": "Data Science 101",
        "description": "A practical introduction to data science: asking good questions, cleaning data, "
                       "exploring it, and building a first predictive model.",
        "type": "cohort", "tags": ["data", "python", "beginner"], "teacher": 0,
        "modules": [
            ("What data science is", 0, "The data science workflow", """\
Data science is the practice of turning raw observations into decisions. It borrows from statistics, \
computer science and the domain you work in, and it always starts with a question: which customers are \
likely to leave, how many students will enrol next term, which lessons do learners skip?

A typical project moves through five stages. You frame the question so that it can be answered with \
data; you collect and clean the data; you explore it with summaries and charts; you build a model that \
captures a pattern; and you communicate the result to the people who will act on it. Most of the time \
goes into the second and third stages, not into modelling.

Keep a notebook of your assumptions as you go. When a result surprises you, the first suspect is the \
data, not the world: a missing value coded as zero, a time zone shift, or duplicated rows can all \
produce a convincing but wrong story."""),
            ("Cleaning and exploring data", 7, "Tidy data and exploratory analysis", """\
Tidy data has one observation per row and one variable per column. Getting there usually means \
renaming columns, converting types, splitting combined fields and deciding what to do with missing \
values: drop them, fill them with a sensible default, or keep them and let the model know.

Exploratory analysis is a conversation with the dataset. Start with counts, means and medians for every \
column, then look at distributions with histograms and at relationships with scatter plots. Outliers \
deserve a closer look before they are removed: sometimes they are errors, sometimes they are the most \
interesting customers you have.

Write down three hypotheses before you open a plotting library. Exploration without a question tends \
to find patterns that are not there."""),
            ("Your first model", 14, "Linear regression and evaluation", """\
Linear regression predicts a number as a weighted sum of input features. It is simple, fast and easy \
to explain, which makes it the right first model for most tabular problems, such as predicting course \
completion time from study hours and prior experience.

Always evaluate on data the model has not seen. Split your dataset into a training set and a test set, \
fit on the first and measure error on the second. Mean absolute error is easy to explain to \
stakeholders: on average, the prediction is off by this many units.

A model that performs much better on training data than on test data is overfitting. Reduce the number \
of features, gather more data, or add regularisation before reaching for a more complex algorithm."""),
        ],
    },
    {
        "title": "Python for Beginners",
        "description": "Learn to program from zero with Python: values, control flow, functions and "
                       "working with files.",
        "type": "self_paced", "tags": ["python", "programming", "beginner"], "teacher": 1,
        "modules": [
            ("Getting started", 0, "Values, variables and types", """\
Python programs are made of statements that work with values: numbers like 42 and 3.5, text like \
"hello", and truth values True and False. A variable is a name that refers to a value, created with a \
single equals sign: course = "Python for Beginners".

Every value has a type, and the type decides what you can do with it. You can add two numbers or join \
two strings with +, but adding a number to a string raises a TypeError. Use int(), float() and str() to \
convert between types when you read input from a user or a file.

Run small experiments in the interactive interpreter. Typing an expression and seeing its value is the \
fastest way to build an accurate mental model of the language."""),
            ("Making decisions and repeating work", 3, "if statements and loops", """\
An if statement runs a block of code only when a condition is true. Conditions compare values with ==, \
!=, <, > and combine them with and, or and not. Indentation is part of the syntax: the indented lines \
belong to the block.

Loops repeat work. A for loop walks over the items of a sequence, such as the lines of a file or the \
numbers produced by range(10). A while loop repeats as long as its condition stays true; make sure \
something inside the loop eventually makes it false.

When a loop grows longer than a screen, move its body into a function. Small pieces with clear names \
are easier to test and to reuse."""),
            ("Functions and files", 7, "Writing functions and reading files", """\
A function packages a computation under a name. Define it with def, give it parameters, and return a \
result: def average(scores): return sum(scores) / len(scores). Functions that only compute and return, \
without printing or changing global state, are the easiest to trust.

Files are read with the open() function inside a with block, which closes the file for you even when \
an error occurs. Iterating over the file object yields one line at a time, so even large files can be \
processed without loading them into memory.

Combine the two: write a function that reads a CSV of quiz scores, computes each learner's average and \
returns the names of everyone below the pass mark."""),
        ],
    },
    {
        "title": "Digital Marketing",
        "description": "Plan, run and measure campaigns across search, social, email and messaging "
                       "channels.",
        "type": "cohort", "tags": ["marketing", "business"], "teacher": 1,
        "modules": [
            ("Audiences and positioning", 0, "Knowing who you serve", """\
Effective marketing starts with a specific audience. Describe your ideal learner in a sentence: a \
working professional in finance who wants to move into analytics within a year. Every message, channel \
and offer should be chosen with that person in mind.

Positioning is the promise you make to that audience and the reason they should believe it. A short \
course with live mentoring and a recognised certificate is a different promise from a library of \
recorded videos, even if the topics are the same.

Test your positioning with real conversations before you spend on ads. Ten calls with prospective \
learners will tell you more about the words they use than a month of guessing."""),
            ("Channels and campaigns", 7, "Email, social and messaging", """\
Each channel has a job. Search captures people who already know what they want; social media creates \
interest among people who do not yet; email and messaging nurture the relationship until the person is \
ready to enrol.

A campaign is a planned sequence of messages with one goal, one audience and a deadline. Write the \
goal as a number, such as fifty webinar registrations by the end of the month, so that you can tell \
afterwards whether it worked.

Respect consent and frequency. A learner who asked for a brochure on WhatsApp did not ask for a daily \
message, and unsubscribes are feedback worth reading."""),
        ],
    },
]

EXAM = {
    "title": "Data Science 101 final exam", "type": "exam", "pass_score": 60.0, "time_limit": 30,
    "late_policy": "refuse", "proctored": True,
    "questions": [
        {"id": "q1", "type": "single_choice",
         "prompt": "Which stage of a data project usually takes most time?",
         "options": ["Modelling", "Cleaning and exploring data", "Presenting results"], "answer": 1,
         "points": 2.0},
        {"id": "q2", "type": "multiple_choice", "prompt": "Which of these describe tidy data?",
         "options": ["One observation per row", "One variable per column", "Totals in the last row"],
         "answer": [0, 1], "points": 2.0},
        {"id": "q3", "type": "true_false",
         "prompt": "A model should be evaluated on the data it was trained on.", "answer": False},
        {"id": "q4", "type": "short_answer", "prompt": "Name the error metric that averages absolute errors.",
         "answer": ["mean absolute error", "mae"]},
    ],
}

QUIZ = {
    "title": "Python basics quiz", "type": "quiz", "pass_score": 50.0, "time_limit": 15,
    "late_policy": "mark_late", "proctored": False,
    "questions": [
        {"id": "q1", "type": "single_choice", "prompt": "Which keyword defines a function?",
         "options": ["func", "def", "lambda"], "answer": 1},
        {"id": "q2", "type": "true_false", "prompt": "Indentation is part of Python's syntax.",
         "answer": True},
    ],
}

STAFF = [
    ("maya.admin", "Maya Fernandes", "admin"),
    ("arjun.mehta", "Arjun Mehta", "teacher"),
    ("sofia.rossi", "Sofia Rossi", "teacher"),
    ("daniel.kim", "Daniel Kim", "admin"),
]

# (student name, date of birth, parent name)
FAMILIES = [
    ("Priya Sharma", "2006-04-02", "Anil Sharma"),
    ("Liam O'Connor", "2005-11-19", "Grace O'Connor"),
    ("Amara Okafor", "2006-07-30", "Chidi Okafor"),
    ("Chen Wei", "2005-02-14", "Li Na"),
    ("Sara Haddad", "2006-09-08", "Omar Haddad"),
    ("Lucas Silva", "2005-06-21", "Beatriz Silva"),
]

# (name, source, status, email, tags)
LEADS = [
    ("Rohan Gupta", "website", "new", "rohan.gupta@example.com", ["data-science"]),
    ("Emily Carter", "webinar", "new", "emily.carter@example.com", ["october-webinar"]),
    ("Kwame Mensah", "whatsapp", "contacted", "kwame.mensah@example.com", ["python"]),
    ("Ana Lopez", "webinar", "contacted", "ana.lopez@example.com", ["october-webinar", "marketing"]),
    ("Hiro Tanaka", "referral", "qualified", "hiro.tanaka@example.com", ["data-science"]),
    ("Fatima Zahra", "website", "qualified", "fatima.zahra@example.com", ["python"]),
    ("Noah Becker", "webinar", "won", "noah.becker@example.com", ["october-webinar"]),
    ("Isabella Rossi", "referral", "won", "isabella.rossi@example.com", ["marketing"]),
    ("Ethan Brown", "website", "lost", "ethan.brown@example.com", ["data-science"]),
    ("Meera Nair", "whatsapp", "lost", "meera.nair@example.com", ["python"]),
]

CONVERSATION = [
    ("whatsapp", "inbound", "Hi, I saw your course page. Is there a weekend batch?"),
    ("whatsapp", "outbound",
     "Hello! Yes, the next weekend cohort starts on the 1st. Shall I send the brochure?"),
    ("email", "outbound", "As promised, here is the brochure with fees and the syllabus."),
    ("call", "outbound", "Call: discussed schedule and instalment plan; prospect will confirm this week."),
]
