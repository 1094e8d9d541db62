"""The student tutor: answers from enrolled course content with citations; locked during proctored exams."""
